using System.Text.Json;
using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// The report as JSON (report.json). Written field by field, not serialised from the C# records, so the schema
/// below is the contract and a rename in the code cannot change it. Version 1:
/// <code>
/// {
///   "format": "clip-verify-report", "version": 1,
///   "verdict": "pass" | "fail", "exit_code": 0 | 1,
///   "subject": {"candidate": str, "fixture": str, "candidate_sha256": str|null, "fixture_sha256": str|null,
///               "checkpoint_sha256": str|null, "config": str|null, "producer": str|null},
///   "fixture_lacks": [str],      // what an old fixture lacks that the judgement would use; empty when current
///   "rule": {"kind": "ratio", "description": str, "factor": num, "floor_ulps": num}
///         | {"kind": "tolerance", "description": str, "default": {"atol": num, "rtol": num},
///            "overrides": [{"pattern": str, "atol": num, "rtol": num}]},     // first matching pattern wins
///   "modes": [{
///     "mode": "chained" | "isolated", "verdict": "pass" | "fail", "failed_count": int,
///     "first_divergence": str|null,                 // name of the first failing tap, else output, else null
///     "diagnosis": null | {"cause": str, "tap": str, "evidence": str},   // the likely cause of the first divergence
///                                   // (verifier/Diagnosis, docs/judgement.md); null when the mode passed. cause is one of
///                                   // gelu-variant, layernorm-eps, batchnorm-eps, reduced-precision, eot-pooling,
///                                   // transposed-linear, qkv-order, causal-mask, attention-scale,
///                                   // scaled-or-shifted-weight, unknown
///     "taps": [TAP],                                // execution order
///     "outputs": [TAP]                              // image_features, text_features, logits_per_image, ...
///   }]
/// }
/// TAP = {
///   "index": int, "name": str, "tower": str, "shape": [int], "candidate_shape": [int]|null (set on shape mismatch),
///   "verdict": "pass" | "fail" | "not checked", "reason": str|null,
///   "ratio": num,               // candidate RMS error / PyTorch float32 RMS error: the headline
///   "torch32_rms_error": num, "bound": num,         // the ratio rule's largest passing RMS error
///   "metrics": null | {"count": int, "max_abs_error": num, "mean_abs_error": num, "max_rel_error": num,
///               "rms_error": num, "abs_error_p999": num, "cosine_similarity": num, "sqnr_db": num,
///               "reference_rms": num, "non_finite_count": int,
///               "worst": {"flat_index": int, "index": [int], "candidate": num, "reference": num}},
///   "tolerance": null | {"atol": num, "rtol": num, "mismatch_count": int, "minimum_atol": num, "minimum_rtol": num}
/// }
/// </code>
/// Numbers are round-trip doubles; JSON has no infinity or NaN, so those are the strings "Infinity", "-Infinity"
/// and "NaN" (e.g. "sqnr_db": "Infinity" for an exact tap; Python's float() reads them back).
/// </summary>
public static class JsonReport
{
    public const string Format = "clip-verify-report";
    public const int Version = 1;

    public static string Render(VerificationReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            // Readable "<=" and quotes; the file is data, never pasted into HTML unescaped.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", Version);
            json.WriteString("verdict", report.Passed ? "pass" : "fail");
            json.WriteNumber("exit_code", report.ExitCode);
            WriteSubject(json, report.Subject);
            json.WriteStartArray("fixture_lacks");
            foreach (var line in report.FixtureLacks)
            {
                json.WriteStringValue(line);
            }
            json.WriteEndArray();
            WriteRule(json, report.Rule);
            json.WriteStartArray("modes");
            foreach (var mode in report.Modes)
            {
                WriteMode(json, mode);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteSubject(Utf8JsonWriter json, ReportSubject subject)
    {
        json.WriteStartObject("subject");
        json.WriteString("candidate", subject.CandidateName);
        json.WriteString("fixture", subject.FixtureName);
        json.WriteString("candidate_sha256", subject.CandidateSha256);
        json.WriteString("fixture_sha256", subject.FixtureSha256);
        json.WriteString("checkpoint_sha256", subject.CheckpointSha256);
        json.WriteString("config", subject.ConfigText);
        json.WriteString("producer", subject.Producer);
        json.WriteEndObject();
    }

    private static void WriteRule(Utf8JsonWriter json, JudgementRule rule)
    {
        json.WriteStartObject("rule");
        switch (rule)
        {
            case Torch32RatioRule ratio:
                json.WriteString("kind", "ratio");
                json.WriteString("description", rule.Describe());
                Number(json, "factor", ratio.Factor);
                Number(json, "floor_ulps", ratio.FloorUlps);
                Number(json, "tail", ratio.Tail);
                break;
            case ToleranceRule tolerance:
                json.WriteString("kind", "tolerance");
                json.WriteString("description", rule.Describe());
                json.WriteStartObject("default");
                Number(json, "atol", tolerance.Default.Atol);
                Number(json, "rtol", tolerance.Default.Rtol);
                json.WriteEndObject();
                json.WriteStartArray("overrides");
                foreach (var o in tolerance.Overrides)
                {
                    json.WriteStartObject();
                    json.WriteString("pattern", o.Pattern);
                    Number(json, "atol", o.Tolerance.Atol);
                    Number(json, "rtol", o.Tolerance.Rtol);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"no JSON schema for rule {rule.GetType().Name}");
        }
        json.WriteEndObject();
    }

    private static void WriteMode(Utf8JsonWriter json, ModeResults mode)
    {
        json.WriteStartObject();
        json.WriteString("mode", ReportFormat.Mode(mode.Mode));
        json.WriteString("verdict", mode.Passed ? "pass" : "fail");
        json.WriteNumber("failed_count", mode.FailedCount);
        json.WriteString("first_divergence", mode.FirstDivergence?.Name);
        if (mode.Diagnosis is { } diagnosis)
        {
            json.WriteStartObject("diagnosis");
            json.WriteString("cause", diagnosis.Cause);
            json.WriteString("tap", diagnosis.Tap);
            json.WriteString("evidence", diagnosis.Evidence);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("diagnosis");
        }
        foreach (var (key, list) in new[] { ("taps", mode.Taps), ("outputs", mode.Outputs) })
        {
            json.WriteStartArray(key);
            for (var i = 0; i < list.Count; i++)
            {
                WriteTap(json, i, list[i]);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteTap(Utf8JsonWriter json, int index, TapResult tap)
    {
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteString("name", tap.Name);
        json.WriteString("tower", tap.Tower);
        Longs(json, "shape", tap.Shape);
        if (tap.CandidateShape is { } candidateShape)
        {
            Longs(json, "candidate_shape", candidateShape);
        }
        else
        {
            json.WriteNull("candidate_shape");
        }
        json.WriteString("verdict", tap.Checked ? (tap.Passed ? "pass" : "fail") : ReportFormat.NotChecked);
        json.WriteString("reason", tap.Reason);
        Number(json, "ratio", tap.Ratio);
        Number(json, "torch32_rms_error", tap.Torch32RmsError);
        Number(json, "bound", tap.Bound);
        if (tap.Metrics is { } m)
        {
            json.WriteStartObject("metrics");
            json.WriteNumber("count", m.Count);
            Number(json, "max_abs_error", m.MaxAbsError);
            Number(json, "mean_abs_error", m.MeanAbsError);
            Number(json, "max_rel_error", m.MaxRelativeError);
            Number(json, "rms_error", m.RmsError);
            Number(json, "abs_error_p999", m.AbsErrorP999);
            Number(json, "cosine_similarity", m.CosineSimilarity);
            Number(json, "sqnr_db", m.SqnrDb);
            Number(json, "reference_rms", m.ReferenceRms);
            json.WriteNumber("non_finite_count", m.NonFiniteCount);
            json.WriteStartObject("worst");
            json.WriteNumber("flat_index", m.Worst.FlatIndex);
            Longs(json, "index", m.Worst.Index);
            Number(json, "candidate", m.Worst.Candidate);
            Number(json, "reference", m.Worst.Reference);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("metrics");
        }
        if (tap.Tolerance is { } t)
        {
            json.WriteStartObject("tolerance");
            Number(json, "atol", t.Applied.Atol);
            Number(json, "rtol", t.Applied.Rtol);
            json.WriteNumber("mismatch_count", t.MismatchCount);
            Number(json, "minimum_atol", t.MinimumAtol);
            Number(json, "minimum_rtol", t.MinimumRtol);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("tolerance");
        }
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, ReportFormat.RoundTrip(value));
        }
    }

    private static void Longs(Utf8JsonWriter json, string name, IEnumerable<long> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
    }
}
