namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// What kind of failure a <see cref="CheckpointFormatException"/> is, in code rather than in the message text, so
/// tests and callers can tell failures apart. Every throw names its kind (there is no default), and every kind has a
/// negative test that triggers exactly it (tests/Converter.Tests/Hostile/FormatErrorKindTests.cs). Every kind is bad
/// input (exit 2); anything else thrown is a bug (exit 3).
/// </summary>
public enum FormatErrorKind
{
    /// <summary>The file cannot be opened (missing, a folder, no permission).</summary>
    CannotOpen,

    /// <summary>Not a format this tool reads (magic bytes, empty file).</summary>
    UnknownFormat,

    /// <summary>The file ends before something it declares.</summary>
    Truncated,

    /// <summary>Bytes follow where the format says the file or entry ends.</summary>
    TrailingBytes,

    /// <summary>The zip directory is damaged, inconsistent or declares more than the file holds.</summary>
    BadZipDirectory,

    /// <summary>Two zip entries claim the same bytes (one deflate stream inflated several times).</summary>
    OverlappingEntries,

    /// <summary>Compressed data does not inflate, or not to the size it declares.</summary>
    BadCompression,

    /// <summary>An opcode or argument of a pickle is invalid or out of place.</summary>
    BadPickle,

    /// <summary>A pickle names a global that is not on the allow-list, or calls one in a way it does not allow (nothing is executed).</summary>
    RefusedGlobal,

    /// <summary>A size, offset, stride or count overflows 64-bit arithmetic.</summary>
    Overflow,

    /// <summary>A size, stride, offset or count is negative.</summary>
    NegativeSize,

    /// <summary>A tensor or entry reaches outside the bytes it owns.</summary>
    OutOfBounds,

    /// <summary>Reading would take more memory, objects or visits than the file's size allows (--read-budget raises it).</summary>
    BudgetExceeded,

    /// <summary>Over a fixed limit that no file of this format needs (a pickle entry, a header, one tensor in memory).</summary>
    LimitExceeded,

    /// <summary>Containers or modules nested deeper than allowed.</summary>
    TooDeep,

    /// <summary>Two tensors or keys have the same name, or two keys map to one.</summary>
    DuplicateName,

    /// <summary>A dtype, byte order, version or layout this tool does not read.</summary>
    Unsupported,

    /// <summary>A header (safetensors JSON, .npy dict) is not what the format defines.</summary>
    BadHeader,

    /// <summary>The objects are of the wrong kind (not a dict of tensors, a module without code...).</summary>
    BadStructure,

    /// <summary>The declared sizes of a tensor and its data disagree.</summary>
    SizeMismatch,

    /// <summary>No key of any known layout: not a CLIP checkpoint, or the model cannot be inferred from the shapes.</summary>
    NotClip,

    /// <summary>Keys of two layouts, or a module prefix on some keys only.</summary>
    MixedLayouts,

    /// <summary>A key the inferred model needs is absent.</summary>
    MissingKey,

    /// <summary>A key the inferred model does not have (--allow-extra skips it).</summary>
    UnexpectedKey,

    /// <summary>A tensor's shape contradicts the model or the layout's rule for it.</summary>
    ShapeMismatch,

    /// <summary>A tensor's dtype is not what its place needs (a float weight, an integer count, equal parts).</summary>
    DTypeMismatch,

    /// <summary>A weight holds NaN or an infinity.</summary>
    NonFinite,

    /// <summary>A weight's value does not fit the output dtype.</summary>
    ValueOverflow,

    /// <summary>Metadata (sidecar JSON, header metadata, options) is invalid, contradicts itself or is needed and absent.</summary>
    BadMetadata,

    /// <summary>A model, family or preset name that is not known.</summary>
    UnknownModel,

    /// <summary>The model named on the command line does not match the checkpoint.</summary>
    ModelMismatch,
}
