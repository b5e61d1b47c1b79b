import { describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { WINDOW_SAMPLES } from './constants';
import { extractSeconds, extractWindow, listWindows, windowCount, windowStart } from './windows';

describe('sliding windows (§4.1: 0.5 s, stride 0.1 s)', () => {
  it('uses exact integer offsets round(k·0.1·44100)', () => {
    expect(WINDOW_SAMPLES).toBe(22050);
    expect([0, 1, 2, 3, 10, 12345].map((k) => windowStart(k))).toEqual([0, 4410, 8820, 13230, 44100, 12345 * 4410]);
  });

  it('lists only windows that fit in the track', () => {
    expect(windowCount(22049)).toBe(0);
    expect(windowCount(22050)).toBe(1);
    expect(windowCount(22050 + 4409)).toBe(1);
    expect(windowCount(22050 + 4410)).toBe(2);
    const ws = listWindows(44100 * 3); // 3 s → (3 − 0.5)/0.1 + 1 = 26 windows
    expect(ws.length).toBe(26);
    expect(ws[25]).toEqual({ index: 25, start: 110250, end: 132300, startSeconds: 2.5 });
    for (const w of ws) expect(w.end - w.start).toBe(22050);
  });

  it('extracts a window as a 22,050-sample clip', () => {
    const x = Float32Array.from({ length: 44100 }, (_, i) => i);
    const w = extractWindow(x, 3);
    expect(w.length).toBe(22050);
    expect(w[0]).toBe(13230);
    expect(w[22049]).toBe(13230 + 22049);
    expect(extractSeconds(x, 0.25, 0.5)[0]).toBe(11025);
  });

  it('throws out_of_range with the file for a window past the end', () => {
    const x = new Float32Array(44100);
    expect(() => extractWindow(x, 5, 'a.wav')).not.toThrow(); // 5·4410 + 22050 = 44100 fits exactly
    let err: unknown;
    try {
      extractWindow(x, 6, 'a.wav');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).kind).toBe('out_of_range');
    expect((err as AvError).file).toBe('a.wav');
    expect(() => extractSeconds(x, 0.6, 0.5, 'a.wav')).toThrow(/past the end/);
  });
});
