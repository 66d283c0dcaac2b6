import type { ProfileFields } from './events.js';
import { PROFILE_FIELD_NAMES } from './events.js';
import type { Profile } from './records.js';

/**
 * Apply one event's profile writes onto a profile, returning a new profile.
 *
 * @example applyProfileWrites(DEFAULT_PROFILE, { groupId: 3 }).groupId // 3
 */
export function applyProfileWrites(profile: Profile, writes: ProfileFields): Profile {
  const next: Profile = { ...profile };
  for (const f of PROFILE_FIELD_NAMES) {
    const v = writes[f];
    if (v !== undefined) (next as unknown as Record<string, unknown>)[f] = Array.isArray(v) ? [...v] : v;
  }
  return next;
}
