namespace Wanwu.Engine;

/// <summary>Exact duplicates among the records: files whose bytes are the same (equal <see cref="ImageResult.Hash"/>).</summary>
public sealed record DuplicateCounts
{
    /// <summary>Distinct contents held by more than one file.</summary>
    public long Groups { get; init; }

    /// <summary>Files in those groups, each first copy included: 3 files with the same bytes are 1 group of 3 images.</summary>
    public long Images { get; init; }

    /// <summary>Counts the files per content hash; records without a hash (unreadable files) are left out.</summary>
    internal sealed class Counter
    {
        // Keyed by the 128-bit value, not the text: a run over millions of images keeps one entry per image here.
        private readonly Dictionary<UInt128, int> _files = [];

        public void Add(string? hash)
        {
            if (!Decode.ContentHash.TryParse(hash, out var key)) return;
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_files, key, out _);
            count++;
        }

        public DuplicateCounts Result()
        {
            long groups = 0, images = 0;
            foreach (var n in _files.Values)
                if (n > 1) { groups++; images += n; }
            return new DuplicateCounts { Groups = groups, Images = images };
        }
    }
}
