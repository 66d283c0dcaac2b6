import { createHmac, timingSafeEqual } from 'node:crypto';

/** A snapshot mark: the account version a paged read answers from, and when it was issued. */
export interface SnapshotMark {
  version: number;
  issuedAt: number;
  /** the count of the list whose first page issued the mark, so its later pages need not count again */
  list?: ListCount;
}

export interface ListCount {
  /** the list's identity: 16 base64url characters (see paging.ts listKeyOf) */
  key: string;
  count: number;
}

const MARK = /^(\d{1,15})\.(\d{1,15})(?:\.(\d{1,15})\.([A-Za-z0-9_-]{16}))?\.([A-Za-z0-9_-]{43})$/;

/**
 * Signs and reads `asOf` marks (`<version>.<issuedAt>[.<count>.<list key>].<hmac>`), so any API
 * node can serve a snapshot page without shared session state. The signature covers the count
 * too: a page trusts the count of a mark only because this service issued it.
 */
export class SnapshotTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('wfm-snapshot-marks').digest();
  }

  sign(mark: SnapshotMark): string {
    const body = bodyOf(mark);
    return `${body}.${this.mac(body)}`;
  }

  /** The mark, or undefined when the text was not issued by this service. */
  read(text: string): SnapshotMark | undefined {
    const match = MARK.exec(text);
    if (!match) return undefined;
    const [, version, issuedAt, count, key, mac] = match as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
      string,
    ];
    const mark: SnapshotMark = { version: Number(version), issuedAt: Number(issuedAt) };
    if (count !== undefined && key !== undefined) mark.list = { key, count: Number(count) };
    const expected = Buffer.from(this.mac(bodyOf(mark)));
    if (!timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    return mark;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

function bodyOf(mark: SnapshotMark): string {
  const snapshot = `${mark.version}.${mark.issuedAt}`;
  return mark.list === undefined ? snapshot : `${snapshot}.${mark.list.count}.${mark.list.key}`;
}
