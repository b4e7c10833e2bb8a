// The create / edit team dialog. Creating sends every field that was filled in; editing
// sends only what changed (an emptied limit or expiry is sent as null, which clears it).
// The server validates; its message is shown in the dialog, next to the field it names.

import { ApiError, createTeam, updateTeam } from '../api.js';
import { showDialog } from '../dialogs.js';
import { field, h } from '../dom.js';
import { fromLocalInput, toLocalInput } from '../format.js';

// The server's limit (TeamNames.MaxLength), in characters as people count them: an emoji is
// one. The maxlength attribute counts UTF-16 units instead, so the input enforces it here.
const NAME_MAX_CHARACTERS = 64;
const characters = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const PERIODS = [
  ['none', 'Never (manual reset only)'],
  ['daily', 'Daily'],
  ['weekly', 'Weekly'],
  ['monthly', 'Monthly'],
];

/** Opens the dialog; resolves with the created (with its token) or updated team, or null. */
export async function openTeamForm({ team = null, allowedModels = [] }) {
  const editing = team !== null;
  const inputs = {
    name: h('input', {
      name: 'name',
      type: 'text',
      value: team?.name ?? '',
      autocomplete: 'off',
    }),
    quota: h('input', {
      name: 'quota',
      type: 'number',
      min: 0,
      step: 1,
      inputmode: 'numeric',
      value: team?.quota ?? '',
    }),
    period: h(
      'select',
      { name: 'period' },
      PERIODS.map(([value, label]) =>
        h('option', { value, selected: (team?.period ?? 'none') === value }, label),
      ),
    ),
    rpm: h('input', {
      name: 'rpm',
      type: 'number',
      min: 1,
      step: 1,
      inputmode: 'numeric',
      value: team?.rpm ?? '',
    }),
    tpm: h('input', {
      name: 'tpm',
      type: 'number',
      min: 1,
      step: 1,
      inputmode: 'numeric',
      value: team?.tpm ?? '',
    }),
    expires_at: h('input', {
      name: 'expires_at',
      type: 'datetime-local',
      value: toLocalInput(team?.expires_at),
    }),
    enabled: h('input', { name: 'enabled', type: 'checkbox', checked: team?.enabled ?? true }),
  };
  inputs.name.addEventListener('input', () => keepCharacters(inputs.name, NAME_MAX_CHARACTERS));
  const models = modelPicker(allowedModels, team?.models ?? []);
  const message = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create team');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');

  const form = h(
    'form',
    { class: 'team-form', novalidate: true },
    h(
      'div',
      { class: 'form-grid' },
      field('Name', inputs.name),
      field('Token quota', inputs.quota, 'Tokens the team may use per period.'),
      field('Quota resets', inputs.period),
      field('Expires', inputs.expires_at, 'Empty: never. In your local time.'),
      field('Requests per minute', inputs.rpm, 'Empty: no limit.'),
      field('Tokens per minute', inputs.tpm, 'Empty: no limit.'),
    ),
    models.element,
    h(
      'label',
      { class: 'check' },
      inputs.enabled,
      h('span', {}, 'Enabled (a disabled team’s requests are refused)'),
    ),
    message,
    h('div', { class: 'dialog-actions' }, cancel, submit),
  );

  const titleId = 'team-form-title';
  const dialog = h(
    'dialog',
    { class: 'dialog wide', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, editing ? 'Edit team' : 'New team'),
    form,
  );

  let result = null;
  cancel.addEventListener('click', () => dialog.close('cancel'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const values = read(inputs, models);
    const body = editing ? changes(team, values) : creation(values);
    if (editing && Object.keys(body).length === 0) {
      result = team;
      dialog.close('unchanged');
      return;
    }

    submit.disabled = true;
    try {
      result = editing ? await updateTeam(team.id, body) : await createTeam(body);
      dialog.close('saved');
    } catch (error) {
      message.textContent = error.message;
      message.hidden = false;
      const named =
        error instanceof ApiError && error.param
          ? form.querySelector(`[name="${CSS.escape(error.param)}"]`)
          : null;
      (named ?? inputs.name).focus();
    } finally {
      submit.disabled = false;
    }
  });

  await showDialog(dialog);
  return result;
}

/** Cuts what was typed or pasted to the first `max` characters, as maxlength would. */
function keepCharacters(input, max) {
  const parts = [...characters.segment(input.value)];
  if (parts.length > max) {
    input.value = parts
      .slice(0, max)
      .map((part) => part.segment)
      .join('');
  }
}

function modelPicker(allowedModels, chosen) {
  // Models the team already has stay listed even if the router no longer allows them.
  const names = [...new Set([...allowedModels, ...chosen])];
  if (names.length === 0) {
    const input = h('input', { name: 'models', type: 'text', value: chosen.join(', '), autocomplete: 'off' });
    return {
      element: field('Models', input, 'Comma-separated. Empty: every allowed model.'),
      value: () =>
        input.value
          .split(',')
          .map((model) => model.trim())
          .filter(Boolean),
    };
  }

  const boxes = names.map((model) =>
    h('input', { type: 'checkbox', name: 'models', value: model, checked: chosen.includes(model) }),
  );
  return {
    element: h(
      'fieldset',
      { class: 'models' },
      h('legend', {}, 'Models'),
      h(
        'div',
        { class: 'model-list' },
        boxes.map((box) => h('label', { class: 'check' }, box, h('span', {}, box.value))),
      ),
      h('span', { class: 'field-hint' }, 'None ticked: every allowed model.'),
    ),
    value: () => boxes.filter((box) => box.checked).map((box) => box.value),
  };
}

function read(inputs, models) {
  const number = (input) => (input.value.trim() === '' ? null : Number(input.value));
  return {
    name: inputs.name.value.trim(),
    quota: number(inputs.quota),
    period: inputs.period.value,
    models: models.value(),
    rpm: number(inputs.rpm),
    tpm: number(inputs.tpm),
    expires_at: fromLocalInput(inputs.expires_at.value),
    enabled: inputs.enabled.checked,
  };
}

function creation(values) {
  const body = {
    name: values.name,
    quota: values.quota,
    period: values.period,
    models: values.models,
    enabled: values.enabled,
  };
  for (const key of ['rpm', 'tpm', 'expires_at']) {
    if (values[key] !== null) body[key] = values[key];
  }
  return body;
}

function changes(team, values) {
  const body = {};
  for (const [key, value] of Object.entries(values)) {
    const before = team[key] ?? null;
    const same =
      key === 'models'
        ? sameSet(before ?? [], value)
        : key === 'expires_at'
          ? toLocalInput(before) === toLocalInput(value)
          : before === value;
    if (!same) body[key] = value;
  }
  return body;
}

function sameSet(a, b) {
  return a.length === b.length && a.every((item) => b.includes(item));
}
