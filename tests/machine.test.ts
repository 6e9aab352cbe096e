import { createActor, transition } from 'xstate';
import { officeMachine, type OfficeInput } from '../machines/office';
import { initialSnapshot } from '../engine/snapshot';

test('the machine starts without input, as the throwaway actor of transition() does', () => {
  // Without a default, every transition() call would throw and catch a TypeError inside XState.
  // transition() passes no options at all; the types ask for input, hence the cast.
  const snapshot = createActor(officeMachine, {} as { input: OfficeInput }).getSnapshot();
  expect(snapshot.status).toBe('active');
  expect(snapshot.context.track).toBe('kit');
});

test('input still sets the track', () => {
  expect(initialSnapshot({ track: 'internet' }).context.track).toBe('internet');
  const [next] = transition(officeMachine, initialSnapshot({ track: 'internet' }), { type: 'SEND_CIRCULAR' });
  expect(next.context.track).toBe('internet');
  expect(next.value).toBe('invited');
});
