// Environment for a process that trains (a run's worker, the training benchmark). A paper-preset
// I2S step allocates a few hundred fresh 32 MiB tensors; glibc serves blocks that large with mmap
// (its mmap threshold tops out at 32 MiB) and every 4 KiB page of each faults on first touch:
// measured here, allocating and filling 32 MiB took 17–21 ms, and inside a batch-64 step kernels ran
// up to 3× slower than alone. glibc.malloc.hugetlb=1 makes malloc advise transparent huge pages for
// such blocks (5.8 ms for the same allocation; the step went from 121 to 107 s). GLIBC_TUNABLES is read
// at process start, so it is set for the child; other C libraries ignore it.
const TUNABLE = 'glibc.malloc.hugetlb';

/** `base` plus TF_CPP_MIN_LOG_LEVEL=2 and glibc.malloc.hugetlb=1 (unless the user set that tunable). */
export function trainingProcessEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tunables = base.GLIBC_TUNABLES ?? '';
  const withHugePages = tunables.includes(`${TUNABLE}=`) ? tunables : [tunables, `${TUNABLE}=1`].filter(Boolean).join(':');
  return { ...base, TF_CPP_MIN_LOG_LEVEL: base.TF_CPP_MIN_LOG_LEVEL ?? '2', GLIBC_TUNABLES: withHugePages };
}
