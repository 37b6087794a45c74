using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Unpickles with Razorvine.Pickle after <see cref="PickleScanner"/> has checked the bytes and the globals.
/// Persistent ids (PyTorch storages) go to the reader's callback. Whatever Razorvine throws on a malformed pickle
/// comes out as a <see cref="CheckpointFormatException"/> naming the entry.
/// </summary>
public sealed class SafeUnpickler : Unpickler
{
    private readonly Func<object, object> onPersistentId;

    private SafeUnpickler(Func<object, object> onPersistentId) => this.onPersistentId = onPersistentId;

    protected override object persistentLoad(object pid) => onPersistentId(pid);

    public sealed record Loaded(object? Root, PickleScanner.Result Scan);

    /// <summary>Scans then loads the pickle that fills <paramref name="data"/> from index 0.</summary>
    /// <remarks>
    /// Razorvine runs BUILD by looking up <c>__setstate__</c> on the object's runtime type by reflection: the
    /// dependencies keep those methods in a trimmed (NativeAOT) build, where nothing else names them.
    /// </remarks>
    [DynamicDependency(nameof(PickledOrderedDict.__setstate__), typeof(PickledOrderedDict))]
    [DynamicDependency(nameof(NumpyDType.__setstate__), typeof(NumpyDType))]
    [DynamicDependency(nameof(NumpyArray.__setstate__), typeof(NumpyArray))]
    [DynamicDependency(nameof(ClassDict.__setstate__), typeof(ClassDict))]
    public static Loaded Load(byte[] data, string entry, ReadBudget budget, bool allowTorchScriptClasses = false,
        Func<object, object>? persistentLoad = null, long baseOffset = 0)
    {
        PickleScanner.Result scan;
        try
        {
            scan = PickleScanner.Scan(data, 0, entry, allowTorchScriptClasses, baseOffset);
        }
        catch (PickleScanner.TruncatedException t)
        {
            throw t.Error;
        }
        PickleGlobals.Register();
        using var unpickler = new SafeUnpickler(persistentLoad ?? (_ => throw new CheckpointFormatException(FormatErrorKind.BadPickle, "unexpected persistent id in a plain pickle")));
        // The allow-listed constructors charge what they build to this file's budget.
        using var charged = budget.Enter();
        try
        {
            return new Loaded(unpickler.loads(data), scan);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            for (var inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is CheckpointFormatException found)
                {
                    throw found.At(new FormatPlace(entry));
                }
            }
            var reason = e is TargetInvocationException { InnerException: { } i } ? i.Message : e.Message;
            throw new CheckpointFormatException(FormatErrorKind.BadPickle, $"malformed pickle: {reason}", new FormatPlace(entry), e);
        }
    }
}
