import { assertNever } from '../shared/decider.ts';
import type { UserEvent } from './events.ts';
import type { UserState } from './state.ts';

/** Folds one user event; an event that cannot apply leaves the state unchanged (events are facts). */
export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered':
    case 'UserImported': {
      if (state.status !== 'none') return state;
      const { userId, email, displayName, roles } = event.data;
      const mustChangePassword = event.type === 'UserImported' && event.data.mustChangePassword;
      return {
        status: mustChangePassword ? 'awaiting-password' : 'active',
        userId, email, displayName, roles, nationalIdHash: null, fullName: null,
      };
    }
    case 'PasswordSet':
      return state.status === 'none' ? state : { ...state, status: 'active' };
    case 'NationalIdVerified':
      return state.status === 'none'
        ? state
        : { ...state, nationalIdHash: event.data.nationalIdHash, fullName: event.data.fullName };
    case 'RoleGranted':
      return state.status === 'none' || state.roles.includes(event.data.role)
        ? state
        : { ...state, roles: [...state.roles, event.data.role] };
    case 'EmailVerified':
      return state.status === 'none' || state.emailVerifiedAt !== undefined
        ? state
        : { ...state, emailVerifiedAt: event.data.verifiedAt };
    default:
      return assertNever(event, 'user event');
  }
}
