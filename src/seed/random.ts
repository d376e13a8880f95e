import { fromEpochDay, toEpochDay, type IsoDate } from '../core/dates';

/**
 * The demo city's only source of chance: mulberry32, a small 32-bit PRNG, seeded. Each concern
 * (households, enterprises, linkages …) draws from its own stream, derived from the seed and the
 * stream's name, so that changing how one concern is generated does not reshuffle the others.
 * Nothing here reads the clock or Math.random: the same seed gives the same city on every machine.
 */
export class Random {
  private state: number;

  constructor(seed: number, stream: string) {
    this.state = (seed ^ fnv1a(stream)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `weights[i]` is the relative chance of `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let ticket = this.next() * total;
    for (let i = 0; i < items.length; i += 1) {
      ticket -= weights[i]!;
      if (ticket < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /** `count` distinct items (or all of them when there are fewer), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    // Fisher–Yates stopped after `count` steps: the first `count` places are a uniform sample.
    const copy = [...items];
    const take = Math.min(Math.max(0, count), copy.length);
    for (let i = 0; i < take; i += 1) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, take);
  }

  /** A day in [from, to], both included. */
  date(from: IsoDate, to: IsoDate): IsoDate {
    return fromEpochDay(this.int(toEpochDay(from), toEpochDay(to)));
  }

  /** A version-4-shaped UUID from the stream, so that rows can reference each other before insert. */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.int(0, 0xffffffff).toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** FNV-1a, 32 bits: turns a stream name into seed bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
