/**
 * Agent ids for call logs, which name agents but number none: the id is derived from the name
 * alone, so it is the same in every file and whatever the import order. Two names that derive the
 * same id are refused (the later-seen one), never merged.
 */
import { createHash } from 'node:crypto';

/**
 * The agent id of a name: 1 + the first 48 bits (big-endian) of SHA-256 of the name's UTF-8
 * bytes, exactly as written (case and inner spaces count; the log's field is trimmed). 48 bits
 * keep the id a safe integer and make a collision among a center's names vanishingly unlikely
 * (about n² / 2⁴⁹: 10⁻⁹ for 1,000 names); one is still detected and refused.
 *
 * @example agentIdOfName('ANAT') // the same number in every file and every run
 */
export function agentIdOfName(name: string): number {
  return createHash('sha256').update(name, 'utf8').digest().readUIntBE(0, 6) + 1;
}

export type AgentIdResult = { ok: true; agentId: number } | { ok: false; message: string };

/** One agent of the mapping that the import writes out. */
export interface AgentMappingEntry {
  name: string;
  agentId: number;
}

/**
 * The names seen (and those of an earlier mapping), with collision refusal. The first name to
 * claim an id keeps it; any other name deriving that id is refused, in every row.
 */
export class AgentDirectory {
  private readonly byId = new Map<number, string>();
  private readonly byName = new Map<string, AgentIdResult>();

  constructor(private readonly derive: (name: string) => number = agentIdOfName) {}

  /** Registers the entries of an earlier mapping (a file written by a previous import). */
  preload(entries: readonly AgentMappingEntry[]): void {
    for (const e of entries) {
      const derived = this.derive(e.name);
      if (derived !== e.agentId) {
        throw new Error(`the mapping gives "${e.name}" the id ${e.agentId}, but its derived id is ${derived}`);
      }
      this.idOf(e.name);
    }
  }

  idOf(name: string): AgentIdResult {
    const known = this.byName.get(name);
    if (known) return known;
    const agentId = this.derive(name);
    const holder = this.byId.get(agentId);
    const result: AgentIdResult =
      holder === undefined || holder === name
        ? { ok: true, agentId }
        : { ok: false, message: `agent "${name}" derives the id ${agentId}, which belongs to "${holder}": refused` };
    if (result.ok) this.byId.set(agentId, name);
    this.byName.set(name, result);
    return result;
  }

  /** Every name holding an id, by name. */
  entries(): AgentMappingEntry[] {
    return [...this.byId.entries()]
      .map(([agentId, name]) => ({ name, agentId }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
