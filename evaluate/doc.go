// Package evaluate measures how well an anomaly model separates normal
// behaviour from attacks.
//
// Input is one [Sample] per trace: its name, the model's decision score
// (scikit-learn convention: above 0 is normal, below 0 is anomalous), whether
// it is an attack, and its attack family (see [Family]). Normal samples are the
// negative class, attack samples the positive class. [Compute] returns a
// [Report]: the ROC curve and its area (AUC), the detection rate at fixed
// false-alarm rates (1 %, 5 % and 10 %), the confusion matrix at the model's
// own threshold (an attack is predicted iff score < 0) with precision, recall
// and F1, and the same ranking figures for every attack family against all
// normal samples.
//
// Conventions, used throughout:
//   - Ranking: a lower score is more anomalous. The ROC curve sweeps a
//     threshold t over the distinct scores, flagging every sample with
//     score <= t; tied scores therefore move the curve in one step, as a
//     single point (all-tied scores give AUC 0.5).
//   - A NaN score counts as the least anomalous value: it is never flagged by
//     the model's threshold (NaN < 0 is false) and it is the last to be
//     flagged on the ROC curve.
//   - Consecutive ROC points are joined by straight lines, both for the AUC
//     (trapezoidal rule) and for the detection rate at a false-alarm rate
//     (linear interpolation, see [DRAt]).
//   - Ranking figures (AUC, detection rates) are NaN when either class is
//     empty; ratios of counts (precision, recall, F1) are 0 when their
//     denominator is 0, as scikit-learn's zero_division=0.
//
// The package does no I/O and never panics on any score values, including
// NaN and infinities.
package evaluate
