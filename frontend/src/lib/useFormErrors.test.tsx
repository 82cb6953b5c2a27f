import { Button, TextInput } from '@mantine/core';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type FormEvent } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import { useFormErrors } from './useFormErrors';

function Form({ serverError, onValid, onCityOk = () => {} }: { serverError: unknown; onValid: () => void; onCityOk?: () => void }) {
  const [name, setName] = useState('');
  const [city, setCity] = useState('Berlin');
  const form = useFormErrors({ name: name ? null : 'Enter a name.', city: city ? null : 'Enter a city.' }, serverError);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (form.check()) onValid();
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.error('name')} />
      <TextInput label="City" value={city} onChange={(e) => setCity(e.currentTarget.value)} error={form.error('city', 'address')} />
      <Button type="submit">Save</Button>
      <Button onClick={() => form.check('city') && onCityOk()}>Check city</Button>
    </form>
  );
}

const problem = (detail: string, field: string) =>
  new ApiError(422, detail, { type: '/problems/validation', title: 'Unprocessable', status: 422, detail, field });

describe('useFormErrors', () => {
  it('shows a failed check at its input only after the first submit, and submits once it passes', async () => {
    const user = userEvent.setup();
    const onValid = vi.fn();
    renderUi(<Form serverError={null} onValid={onValid} />);
    const name = screen.getByRole('textbox', { name: 'Name' });
    expect(name).not.toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByText('Enter a name.')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(onValid).not.toHaveBeenCalled();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription(expect.stringContaining('Enter a name.'));
    expect(screen.getByRole('textbox', { name: 'City' })).not.toHaveAttribute('aria-invalid', 'true');

    await user.type(name, 'home');
    expect(screen.queryByText('Enter a name.')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(onValid).toHaveBeenCalledTimes(1);
  });

  it("puts the server's field-tagged problem next to that field's input (also under another name)", () => {
    const { rerender } = renderUi(<Form serverError={problem('no such place', 'address')} onValid={() => {}} />);
    const city = screen.getByRole('textbox', { name: 'City' });
    expect(city).toHaveAccessibleDescription(expect.stringContaining('no such place'));
    expect(screen.getByRole('textbox', { name: 'Name' })).not.toHaveAttribute('aria-invalid', 'true');

    rerender(<Form serverError={problem('name is taken', 'name')} onValid={() => {}} />);
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription(expect.stringContaining('name is taken'));
    expect(screen.getByRole('textbox', { name: 'City' })).not.toHaveAttribute('aria-invalid', 'true');
  });

  it('checks only the fields asked for, but from then on shows every failed check', async () => {
    const user = userEvent.setup();
    const onCityOk = vi.fn();
    renderUi(<Form serverError={null} onValid={() => {}} onCityOk={onCityOk} />);
    await user.click(screen.getByRole('button', { name: 'Check city' }));
    expect(onCityOk).toHaveBeenCalledTimes(1); // the name is empty, the city is fine
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription(expect.stringContaining('Enter a name.'));
  });
});
