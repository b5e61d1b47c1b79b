import { describe, expect, it } from 'vitest';
import { trainingProcessEnv } from './trainingProcessEnv';

describe('trainingProcessEnv', () => {
  it('asks glibc for huge pages on large blocks and keeps the rest of the environment', () => {
    const env = trainingProcessEnv({ PATH: '/bin', HOME: '/h' });
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', TF_CPP_MIN_LOG_LEVEL: '2', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  });

  it("adds to the user's other tunables and leaves their own hugetlb choice and log level alone", () => {
    expect(trainingProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    const own = trainingProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0', TF_CPP_MIN_LOG_LEVEL: '0' });
    expect(own.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    expect(own.TF_CPP_MIN_LOG_LEVEL).toBe('0');
  });
});
