namespace Wanwu.Sources;

/// <summary>Turns the user's inputs (folders, image files, list files) into a stable, lazy stream of images.</summary>
internal static class ImageSources
{
    /// <summary>Extensions treated as images, matched case-insensitively.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic", ".heif",
    };

    /// <summary>
    /// Extensions of list files: one image path a line, relative to the list's folder or absolute; a line
    /// <c>name&lt;TAB&gt;path</c> reports the image under <c>name</c> (how a cluster shard keeps the names of a folder run).
    /// </summary>
    public static readonly IReadOnlySet<string> ListExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".txt", ".lst", ".list",
    };

    public static bool IsImagePath(string path) => ImageExtensions.Contains(System.IO.Path.GetExtension(path));

    /// <summary>Checks every input exists before a run starts, so a typo fails fast.</summary>
    public static void Validate(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (!Directory.Exists(input) && !File.Exists(input))
                throw new InputNotFoundException($"Input not found: '{input}'. Give a folder, an image file or a text file listing images.");
        }
    }

    /// <summary>Enumerates images lazily; folders recursively in ordinal order of their relative paths.</summary>
    public static IEnumerable<InputItem> Enumerate(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                foreach (var item in EnumerateDirectory(input)) yield return item;
            }
            else if (File.Exists(input) && ListExtensions.Contains(System.IO.Path.GetExtension(input)))
            {
                foreach (var item in EnumerateList(input)) yield return item;
            }
            else if (File.Exists(input))
            {
                // A file named explicitly is always tried, whatever its extension: the user asked for it.
                yield return new InputItem(input, System.IO.Path.GetFullPath(input));
            }
            else
            {
                throw new InputNotFoundException($"Input not found: '{input}'.");
            }
        }
    }

    private static IEnumerable<InputItem> EnumerateDirectory(string root)
    {
        var fullRoot = System.IO.Path.GetFullPath(root);
        // Sorting per folder keeps the walk lazy and still gives one stable order for the whole tree.
        var pending = new Stack<string>();
        pending.Push(fullRoot);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            string[] files, dirs;
            try
            {
                files = Directory.GetFiles(dir);
                dirs = Directory.GetDirectories(dir);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                continue;
            }
            Array.Sort(files, StringComparer.Ordinal);
            Array.Sort(dirs, StringComparer.Ordinal);
            foreach (var file in files)
            {
                if (IsImagePath(file))
                    yield return new InputItem(System.IO.Path.GetRelativePath(fullRoot, file).Replace('\\', '/'), file);
            }
            for (var i = dirs.Length - 1; i >= 0; i--) pending.Push(dirs[i]);
        }
    }

    private static IEnumerable<InputItem> EnumerateList(string listFile)
    {
        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(listFile))!;
        foreach (var raw in File.ReadLines(listFile))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var tab = line.IndexOf('\t');
            yield return tab < 0
                ? new InputItem(line, System.IO.Path.GetFullPath(line, baseDir))
                : new InputItem(line[..tab], System.IO.Path.GetFullPath(line[(tab + 1)..], baseDir));
        }
    }
}
