import crypto from 'node:crypto';

const FORMAT_VERSION = 'v1';
const IV_LENGTH_BYTES = 12;
const TAG_LENGTH_BYTES = 16;

/**
 * Keeps resident ID numbers out of the database in clear (SPEC §3, issue 3): AES-256-GCM with a
 * random nonce for storage, and a keyed HMAC-SHA256 for uniqueness and exact lookup, so equal
 * numbers can be found without being readable. Both keys come from configuration.
 */
export class IdNumberVault {
  constructor(
    private readonly encryptionKey: Buffer,
    private readonly hashKey: Buffer,
  ) {
    if (encryptionKey.length !== 32 || hashKey.length !== 32) throw new Error('ID number keys must be 32 bytes');
  }

  /** `v1.<base64(nonce | tag | ciphertext)>` */
  encrypt(idNumber: string): string {
    const iv = crypto.randomBytes(IV_LENGTH_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(normalise(idNumber), 'utf8'), cipher.final()]);
    return `${FORMAT_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  decrypt(stored: string): string {
    const [version, payload] = stored.split('.');
    if (version !== FORMAT_VERSION || !payload) throw new Error('unknown ID number ciphertext format');
    const bytes = Buffer.from(payload, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.encryptionKey, bytes.subarray(0, IV_LENGTH_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_LENGTH_BYTES, IV_LENGTH_BYTES + TAG_LENGTH_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_LENGTH_BYTES + TAG_LENGTH_BYTES)), decipher.final()]).toString('utf8');
  }

  /** 64 hex characters; equal for equal ID numbers (case of the check character ignored). */
  hash(idNumber: string): string {
    return crypto.createHmac('sha256', this.hashKey).update(normalise(idNumber), 'utf8').digest('hex');
  }
}

function normalise(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}
