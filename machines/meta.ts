/** Who the office is waiting on while it sits in a state. */
export type Owner = 'office' | 'wipo';

/**
 * SLA and reminders of a waiting state. Durations are ISO-8601 (`P30D`, `P2W`). Operators override
 * any field per state in `config/policies.json` without touching code.
 */
export interface ReminderPolicy {
  /** How long the state may last before the office is stalled there. */
  sla: string;
  /** A date that replaces `sla` when the office has one (`workshopEnd`: its workshop's last day). */
  until?: 'workshopEnd';
  /** The first reminder goes when the SLA is over, then one every `every`. */
  every: string;
  /** Reminders sent before one escalation to the coordinator flags the office stuck. */
  reminders: number;
  /** `office`: the office's contacts (owner `office`); `coordinator`: the responsible coordinator (owner `wipo`). */
  recipient: 'office' | 'coordinator';
  /** Template kind: `notifications/templates/<template>.<lang>.{txt,html}.mustache`. */
  template: string;
}

/** Policy data every state node carries in `meta`; everything users see about a state comes from here. */
export interface StateMeta {
  label: string;
  description: string;
  owner: Owner;
  /** SLA and reminders; absent where nobody waits (prospect, final states). */
  reminders?: ReminderPolicy;
}
