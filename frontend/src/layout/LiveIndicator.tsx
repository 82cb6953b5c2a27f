import { Badge, Box, Tooltip } from '@mantine/core';
import type { LiveStatus } from '../api/live';
import { useTranslation } from 'react-i18next';

// the words are layout.json's live.<status>.text and .label
const COLOR: Record<LiveStatus, string> = { live: 'teal', connecting: 'yellow', offline: 'red', unsupported: 'gray' };

/** A small badge in the header: whether pages update by themselves right now. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const { t } = useTranslation('layout');
  const look = { color: COLOR[status], text: t(`live.${status}.text`), label: t(`live.${status}.label`) };
  return (
    <Tooltip label={look.label}>
      <Badge
        variant="dot"
        color={look.color}
        radius="sm"
        tt="none"
        role="status"
        aria-label={look.label}
        data-testid="live-indicator"
        data-status={status}
        style={{ flexShrink: 0 }}
      >
        {/* phones: the dot alone (the label still names the state) */}
        <Box component="span" visibleFrom="xs">
          {look.text}
        </Box>
      </Badge>
    </Tooltip>
  );
}
