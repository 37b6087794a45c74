using ClipTools.Verifier.Diagnosis.Detectors;

namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// Every detector the diagnosis runs, one line each. On equal support the earlier wins, so specific causes come
/// before the general scaled-or-shifted fit, which can mimic them.
/// </summary>
public static class KnownDetectors
{
    public static IReadOnlyList<IFaultDetector> All { get; } =
    [
        new ReducedPrecisionDetector(),
        new TransposedLinearDetector(),
        new QkvOrderDetector(),
        new GeluVariantDetector(),
        new LayerNormEpsDetector(),
        new BatchNormEpsDetector(),
        new CausalMaskDetector(),
        new AttentionScaleDetector(),
        new EotPoolingDetector(),
        new ScaledOrShiftedWeightDetector(),
    ];
}
