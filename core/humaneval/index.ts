// Human evaluation (§5.2.1, Fig. 8): sessions, blind rater state and scores, results.
export * from './sessions';
export * from './rater';
export * from './results';
