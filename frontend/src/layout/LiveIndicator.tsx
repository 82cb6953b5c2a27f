import { Badge, Box, Tooltip } from '@mantine/core';
import type { LiveStatus } from '../api/live';

const LOOK: Record<LiveStatus, { color: string; text: string; label: string }> = {
  live: { color: 'teal', text: 'Live', label: 'Live updates: connected' },
  connecting: { color: 'yellow', text: 'Connecting', label: 'Live updates: connecting' },
  offline: { color: 'red', text: 'Offline', label: 'Live updates: disconnected, retrying' },
  unsupported: { color: 'gray', text: 'Static', label: 'Live updates: not supported by this browser' },
};

/** A small badge in the header: whether pages update by themselves right now. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const look = LOOK[status];
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
