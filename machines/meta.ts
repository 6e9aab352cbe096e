/** Who the office is waiting on while it sits in a state. */
export type Owner = 'office' | 'wipo';

/** Policy data every state node carries in `meta`; everything users see about a state comes from here. */
export interface StateMeta {
  label: string;
  description: string;
  owner: Owner;
}
