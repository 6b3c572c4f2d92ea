/**
 * Telling two classes of sessions apart from feature vectors (pure): what a provider that wants to
 * recognise probes would try. `bestThresholdRule` learns the single-feature threshold (either direction)
 * with the best accuracy on a training set; `knnAccuracy` classifies by the majority of the k nearest
 * training points in z-scored feature space. `chanceBound` is the accuracy a coin reaches at most, 3σ
 * above 0.5, on `n` test samples.
 */
export type Sample = { features: number[]; label: 0 | 1 };
export type ThresholdRule = { feature: number; threshold: number; above: 0 | 1 };

export function classify(rule: ThresholdRule, features: readonly number[]): 0 | 1 {
  const above = (features[rule.feature] as number) > rule.threshold;
  return above ? rule.above : rule.above === 1 ? 0 : 1;
}

export function accuracy(rule: ThresholdRule, samples: readonly Sample[]): number {
  return samples.filter((s) => classify(rule, s.features) === s.label).length / samples.length;
}

export function bestThresholdRule(train: readonly Sample[]): ThresholdRule {
  const width = train[0]?.features.length ?? 0;
  let best: { rule: ThresholdRule; acc: number } = { rule: { feature: 0, threshold: 0, above: 1 }, acc: -1 };
  for (let feature = 0; feature < width; feature++) {
    const values = [...new Set(train.map((s) => s.features[feature] as number))].sort((a, b) => a - b);
    const thresholds = [(values[0] as number) - 1, ...values.slice(1).map((v, i) => (v + (values[i] as number)) / 2)];
    for (const threshold of thresholds)
      for (const above of [0, 1] as const) {
        const rule = { feature, threshold, above };
        const acc = accuracy(rule, train);
        if (acc > best.acc) best = { rule, acc };
      }
  }
  return best.rule;
}

export function knnAccuracy(train: readonly Sample[], test: readonly Sample[], k: number): number {
  const width = train[0]?.features.length ?? 0;
  const mean = Array.from(
    { length: width },
    (_, f) => train.reduce((a, s) => a + (s.features[f] as number), 0) / train.length,
  );
  const sd = Array.from({ length: width }, (_, f) => {
    const v = train.reduce((a, s) => a + ((s.features[f] as number) - (mean[f] as number)) ** 2, 0) / train.length;
    return Math.sqrt(v) || 1;
  });
  const z = (x: readonly number[]) => x.map((v, f) => (v - (mean[f] as number)) / (sd[f] as number));
  const trainZ = train.map((s) => ({ x: z(s.features), label: s.label }));
  let right = 0;
  for (const s of test) {
    const x = z(s.features);
    const nearest = trainZ
      .map((t) => ({ d: t.x.reduce((a, v, f) => a + (v - (x[f] as number)) ** 2, 0), label: t.label }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k);
    const ones = nearest.filter((n) => n.label === 1).length;
    if ((ones * 2 > k ? 1 : 0) === s.label) right++;
  }
  return right / test.length;
}

/** 0.5 + 3σ of a fair coin's accuracy on `n` samples. */
export function chanceBound(n: number): number {
  return 0.5 + 3 * Math.sqrt(0.25 / n);
}

/** Splits `samples` into halves at random, each class split evenly. */
export function splitHalves<T extends Sample>(samples: readonly T[], random = Math.random): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  for (const label of [0, 1] as const) {
    const mine = samples.filter((s) => s.label === label);
    for (let i = mine.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [mine[i], mine[j]] = [mine[j] as T, mine[i] as T];
    }
    const half = Math.floor(mine.length / 2);
    train.push(...mine.slice(0, half));
    test.push(...mine.slice(half));
  }
  return { train, test };
}
