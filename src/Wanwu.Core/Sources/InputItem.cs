namespace Wanwu.Sources;

/// <summary>One image to tag: the path as reported in results and the path used to open it.</summary>
/// <param name="Path">Relative to the input root it was found under, or as given.</param>
/// <param name="FullPath">Absolute path on disk.</param>
public sealed record InputItem(string Path, string FullPath);
