namespace ClipTools.Input.Preprocessing;

/// <summary>An image file that cannot be decoded, or one whose PIL mode the pipeline does not reproduce.</summary>
public sealed class ImageFormatException(string message) : Exception(message);
