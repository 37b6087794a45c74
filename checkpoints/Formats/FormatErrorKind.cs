namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// What kind of failure a <see cref="CheckpointFormatException"/> is, in code rather than in the message text, so
/// tests and callers can tell failures apart. Every kind is bad input (exit 2); anything else thrown is a bug.
/// </summary>
public enum FormatErrorKind
{
    /// <summary>Malformed in a way no more specific kind names.</summary>
    Malformed,

    /// <summary>The file cannot be opened.</summary>
    CannotOpen,

    /// <summary>Not a format this tool reads (magic bytes, empty file).</summary>
    UnknownFormat,

    /// <summary>The file ends before something it declares.</summary>
    Truncated,

    /// <summary>The zip directory is damaged, inconsistent or declares more than the file holds.</summary>
    BadZipDirectory,

    /// <summary>Two zip entries claim the same bytes (one deflate stream inflated several times).</summary>
    OverlappingEntries,

    /// <summary>An opcode or argument of a pickle is invalid or out of place.</summary>
    BadPickle,

    /// <summary>A pickle names a global that is not on the allow-list (nothing is executed).</summary>
    RefusedGlobal,

    /// <summary>A size, offset, stride or count overflows 64-bit arithmetic.</summary>
    Overflow,

    /// <summary>A size, stride, offset or count is negative.</summary>
    NegativeSize,

    /// <summary>A tensor or entry reaches outside the bytes it owns.</summary>
    OutOfBounds,

    /// <summary>Reading would take more memory, objects or visits than the file's size allows.</summary>
    BudgetExceeded,

    /// <summary>Containers or modules nested deeper than allowed.</summary>
    TooDeep,

    /// <summary>Two tensors or keys have the same name.</summary>
    DuplicateName,

    /// <summary>A dtype, byte order, version or layout this tool does not read.</summary>
    Unsupported,

    /// <summary>A header (safetensors JSON, .npy dict) is not what the format defines.</summary>
    BadHeader,

    /// <summary>The objects are of the wrong kind (not a dict of tensors, a module without code...).</summary>
    BadStructure,

    /// <summary>The declared sizes of a tensor and its data disagree.</summary>
    SizeMismatch,

    /// <summary>The tensors do not form a model the conversion accepts (missing, unexpected, wrong shape...).</summary>
    ConversionCheck,
}
