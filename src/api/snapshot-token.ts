import { createHmac, timingSafeEqual } from 'node:crypto';

/** A snapshot mark: the account version a paged read answers from, and when it was issued. */
export interface SnapshotMark {
  version: number;
  issuedAt: number;
}

/**
 * Signs and reads `asOf` marks (`<version>.<issuedAt>.<hmac>`), so any API node can serve a
 * snapshot page without shared session state.
 */
export class SnapshotTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('wfm-snapshot-marks').digest();
  }

  sign(mark: SnapshotMark): string {
    const body = `${mark.version}.${mark.issuedAt}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The mark, or undefined when the text was not issued by this service. */
  read(text: string): SnapshotMark | undefined {
    const match = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(text);
    if (!match) return undefined;
    const [, version, issuedAt, mac] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.mac(`${version}.${issuedAt}`));
    if (!timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    return { version: Number(version), issuedAt: Number(issuedAt) };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
