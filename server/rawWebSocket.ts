// A raw WebSocket client for tests and the fault suite: performs the HTTP upgrade on a plain TCP
// socket, then writes hand-made frames (the ones a well-behaved client library refuses to send:
// oversize, invalid UTF-8, unknown opcode, unmasked) and reports the server's close code.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
  masked?: boolean;
  fin?: boolean;
}

export function encodeFrame({ opcode, payload, masked = true, fin = true }: RawFrame): Buffer {
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  const parts: Buffer[] = [Buffer.from(head)];
  if (masked) {
    const key = randomBytes(4);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
    parts.push(key, body);
  } else parts.push(Buffer.from(payload));
  return Buffer.concat(parts);
}

/** The four frames that each used to end `avstudio serve` (issue 19, item 1), with the close code RFC 6455 asks for. */
export const BAD_FRAMES: Array<{ name: string; frame: RawFrame; closeCode: number }> = [
  { name: 'message over the size limit (70,000 bytes)', frame: { opcode: 0x2, payload: new Uint8Array(70_000) }, closeCode: 1009 },
  { name: 'text frame with invalid UTF-8', frame: { opcode: 0x1, payload: Uint8Array.from([0xc3, 0x28, 0xff, 0xfe]) }, closeCode: 1007 },
  { name: 'unknown opcode 0x3', frame: { opcode: 0x3, payload: Uint8Array.from([1, 2, 3]) }, closeCode: 1002 },
  { name: 'unmasked client frame', frame: { opcode: 0x1, payload: Buffer.from('hello'), masked: false }, closeCode: 1002 },
];

export interface RawOutcome {
  /** HTTP status of the upgrade answer (101 when it succeeded) */
  status: number;
  /** close code the server sent, or null if the connection ended without a close frame */
  closeCode: number | null;
}

/** Upgrades to `path` on 127.0.0.1:port with `headers`, sends `frames`, waits for the close (≤ timeoutMs). */
export function rawWebSocket(port: number, path: string, headers: Record<string, string>, frames: RawFrame[], timeoutMs = 5000): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let status = 0;
    let upgraded = false;
    let closeCode: number | null = null;
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ status, closeCode });
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      resolve({ status, closeCode });
    };
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // a reset after the server closed is an ending, not a failure of the probe
      if (status) finish();
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
    sock.on('close', finish);
    sock.on('connect', () => {
      const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13'];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = Number(/^HTTP\/1\.1 (\d+)/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        buf = buf.subarray(end + 4);
        if (status !== 101) {
          sock.destroy();
          return;
        }
        upgraded = true;
        for (const f of frames) sock.write(encodeFrame(f));
      }
      // server frames are unmasked; look for a close frame (opcode 8)
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        if (opcode === 0x8) {
          closeCode = len >= 2 ? buf.readUInt16BE(off) : 1005;
          sock.end();
        }
        buf = buf.subarray(off + len);
      }
    });
  });
}
