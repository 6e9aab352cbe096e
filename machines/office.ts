import { assign, setup } from 'xstate';
import type { OfficeEvent } from './events';
import type { StateMeta } from './meta';

export type Track = 'kit' | 'internet';

export interface OfficeInput {
  track: Track;
}

export interface OfficeContext {
  track: Track;
  /** Reason given with the latest decline, difficulty, hold or withdrawal. */
  reason: string | null;
  focalPoint: { name: string; email: string } | null;
  workshopId: string | null;
  goldDiskVersion: string | null;
}

/** Bumped whenever a change to the chart could make a stored snapshot stop resolving. */
export const OFFICE_MACHINE_VERSION = 1;

const meta = (m: StateMeta): StateMeta => m;

export const officeMachine = setup({
  types: {
    context: {} as OfficeContext,
    events: {} as OfficeEvent,
    input: {} as OfficeInput,
  },
  guards: {
    isInternetTrack: ({ context }) => context.track === 'internet',
  },
  actions: {
    noteDetails: () => {},
    rememberReason: assign({
      reason: ({ event }) => ('reason' in event ? (event.reason ?? null) : null),
    }),
    clearReason: assign({ reason: null }),
    rememberFocalPoint: assign({
      focalPoint: ({ event }) =>
        event.type === 'FOCAL_POINT_NOMINATED' ? { name: event.name, email: event.email } : null,
    }),
    // Further focal points of an office are kept in the programme's focal-point register; the
    // context keeps the first one nominated as the office's main contact for training.
    noteFocalPoint: assign({
      focalPoint: ({ context, event }) =>
        context.focalPoint ?? (event.type === 'FOCAL_POINT_NOMINATED' ? { name: event.name, email: event.email } : null),
    }),
    rememberWorkshop: assign({
      workshopId: ({ event }) => (event.type === 'ENROLLED' ? event.workshopId : null),
    }),
    forgetWorkshop: assign({ workshopId: null }),
    rememberShippedDisk: assign({
      goldDiskVersion: ({ context, event }) =>
        event.type === 'KIT_SHIPPED' && event.goldDiskVersion ? event.goldDiskVersion : context.goldDiskVersion,
    }),
    rememberReleasedDisk: assign({
      goldDiskVersion: ({ event }) => (event.type === 'GOLD_DISK_RELEASED' ? event.version : null),
    }),
  },
}).createMachine({
  id: 'office',
  context: ({ input }) => ({
    // XState's pure transition() builds a throwaway actor, without input, on every call: a default
    // here spares it a thrown and caught TypeError per transition.
    track: input?.track ?? 'kit',
    reason: null,
    focalPoint: null,
    workshopId: null,
    goldDiskVersion: null,
  }),
  initial: 'prospect',
  on: {
    WITHDRAWN: { target: '.withdrawn', actions: 'rememberReason' },
    // Name, country, contacts…: the engine writes them; the chart stays where it is. A targetless
    // transition counts (for can()) only with an action, hence the no-op.
    DETAILS_UPDATED: { actions: 'noteDetails' },
  },
  states: {
    prospect: {
      meta: meta({ label: 'Prospect', description: 'Known office, no circular letter sent yet.', owner: 'wipo' }),
      on: { SEND_CIRCULAR: 'invited' },
    },
    invited: {
      meta: meta({ label: 'Invited', description: 'Circular letter sent; waiting for the office to reply.', owner: 'office',
        reminders: { sla: 'P30D', every: 'P14D', reminders: 3, recipient: 'office', template: 'invited' },
      }),
      on: {
        // Offices already on the Internet need no site work: their site region starts ready.
        REPLY_AFFIRMATIVE: [
          { guard: 'isInternetTrack', target: 'preparing.site.ready', actions: 'clearReason' },
          { target: 'preparing', actions: 'clearReason' },
        ],
        REPLY_DECLINED: { target: 'declined', actions: 'rememberReason' },
      },
    },
    declined: {
      meta: meta({ label: 'Declined', description: 'The office declined to take part; it may be invited again.', owner: 'wipo' }),
      on: { REOPEN: { target: 'invited', actions: 'clearReason' } },
    },
    preparing: {
      meta: meta({ label: 'Preparing', description: 'Site preparation and focal-point training run side by side.', owner: 'office' }),
      type: 'parallel',
      onDone: [{ guard: 'isInternetTrack', target: 'connecting' }, { target: 'deployment' }],
      states: {
        site: {
          meta: meta({ label: 'Site', description: 'Preparing the premises and network for the kit.', owner: 'office' }),
          initial: 'surveying',
          states: {
            surveying: {
              meta: meta({ label: 'Surveying', description: 'Site survey of premises, power and connectivity under way.', owner: 'office',
                reminders: { sla: 'P30D', every: 'P14D', reminders: 3, recipient: 'office', template: 'site' },
              }),
              on: { SITE_SURVEYED: 'inProgress' },
            },
            inProgress: {
              meta: meta({ label: 'Site work', description: 'The office is preparing its site for the kit.', owner: 'office',
                reminders: { sla: 'P60D', every: 'P14D', reminders: 3, recipient: 'office', template: 'site' },
              }),
              on: {
                SITE_DIFFICULTY: { target: 'blocked', actions: 'rememberReason' },
                SITE_READY: 'ready',
              },
            },
            blocked: {
              meta: meta({ label: 'Site difficulty', description: 'Site preparation is blocked by a reported difficulty.', owner: 'wipo',
                reminders: { sla: 'P14D', every: 'P7D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
              }),
              on: { DIFFICULTY_RESOLVED: { target: 'inProgress', actions: 'clearReason' } },
            },
            ready: {
              meta: meta({ label: 'Site ready', description: 'The site is ready to receive the kit.', owner: 'wipo' }),
              type: 'final',
            },
          },
        },
        training: {
          meta: meta({ label: 'Training', description: 'A focal point is nominated and trained in a workshop.', owner: 'office' }),
          initial: 'awaitingNomination',
          states: {
            awaitingNomination: {
              meta: meta({ label: 'Awaiting nomination', description: 'Waiting for the office to nominate a focal point.', owner: 'office',
                reminders: { sla: 'P30D', every: 'P14D', reminders: 3, recipient: 'office', template: 'training' },
              }),
              on: { FOCAL_POINT_NOMINATED: { target: 'nominated', actions: 'rememberFocalPoint' } },
            },
            nominated: {
              meta: meta({ label: 'Nominated', description: 'Focal point nominated; waiting for a workshop place.', owner: 'wipo',
                reminders: { sla: 'P60D', every: 'P30D', reminders: 1, recipient: 'coordinator', template: 'coordinator' },
              }),
              on: {
                ENROLLED: { target: 'enrolled', actions: 'rememberWorkshop' },
                // An office may nominate several focal points.
                FOCAL_POINT_NOMINATED: { actions: 'noteFocalPoint' },
              },
            },
            enrolled: {
              meta: meta({ label: 'Enrolled', description: 'Focal point enrolled in a training workshop.', owner: 'office',
                reminders: { sla: 'P90D', until: 'workshopEnd', every: 'P14D', reminders: 2, recipient: 'office', template: 'workshop' },
              }),
              on: {
                TRAINING_COMPLETED: 'trained',
                NO_SHOW: { target: 'nominated', actions: 'forgetWorkshop' },
                FOCAL_POINT_NOMINATED: { actions: 'noteFocalPoint' },
                // A further focal point of the office joins the same workshop.
                ENROLLED: { actions: 'rememberWorkshop' },
              },
            },
            trained: {
              meta: meta({ label: 'Trained', description: 'The focal point has completed training.', owner: 'wipo' }),
              type: 'final',
            },
          },
        },
      },
    },
    deployment: {
      meta: meta({ label: 'Deployment', description: 'The WIPOnet kit is shipped, delivered and installed.', owner: 'wipo' }),
      initial: 'awaitingKit',
      states: {
        awaitingKit: {
          meta: meta({ label: 'Awaiting kit', description: 'WIPO is to ship the kit to the office.', owner: 'wipo',
            reminders: { sla: 'P30D', every: 'P14D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
          }),
          on: {
            KIT_SHIPPED: { target: 'inTransit', actions: 'rememberShippedDisk' },
            DEPLOYMENT_HELD: { target: 'onHold', actions: 'rememberReason' },
          },
        },
        inTransit: {
          meta: meta({ label: 'In transit', description: 'The kit is on its way to the office.', owner: 'wipo',
            reminders: { sla: 'P30D', every: 'P14D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
          }),
          on: {
            KIT_DELIVERED: 'installing',
            DEPLOYMENT_HELD: { target: 'onHold', actions: 'rememberReason' },
          },
        },
        onHold: {
          meta: meta({ label: 'On hold', description: 'Deployment held until a new Gold Disk release.', owner: 'wipo',
            reminders: { sla: 'P90D', every: 'P30D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
          }),
          on: { GOLD_DISK_RELEASED: { target: 'awaitingKit', actions: ['clearReason', 'rememberReleasedDisk'] } },
        },
        installing: {
          meta: meta({ label: 'Installing', description: 'The kit has arrived and is being installed.', owner: 'office',
            reminders: { sla: 'P30D', every: 'P14D', reminders: 3, recipient: 'office', template: 'installing' },
          }),
          on: { KIT_INSTALLED: '#office.installed' },
        },
      },
    },
    connecting: {
      meta: meta({ label: 'Connecting', description: 'Connecting an Internet-track office to the network services.', owner: 'wipo',
        reminders: { sla: 'P30D', every: 'P14D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
      }),
      on: { SERVICES_CONNECTED: 'connected' },
    },
    connected: {
      meta: meta({ label: 'Connected', description: 'Connected to the services; to be handed over to IT operations.', owner: 'wipo',
        reminders: { sla: 'P30D', every: 'P14D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
      }),
      on: { HANDED_OVER: 'handedOver' },
    },
    installed: {
      meta: meta({ label: 'Installed', description: 'The kit is installed; to be handed over to IT operations.', owner: 'wipo',
        reminders: { sla: 'P30D', every: 'P14D', reminders: 2, recipient: 'coordinator', template: 'coordinator' },
      }),
      on: { HANDED_OVER: 'handedOver' },
    },
    handedOver: {
      meta: meta({ label: 'Handed over', description: 'Handed over to the IT Services Division for routine operations.', owner: 'wipo' }),
      type: 'final',
    },
    withdrawn: {
      meta: meta({ label: 'Withdrawn', description: 'The office left the programme.', owner: 'wipo' }),
      type: 'final',
    },
  },
});

export type OfficeMachine = typeof officeMachine;
