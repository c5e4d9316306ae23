using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>
/// Transient read failures are retried inside a run. The fault is real: another handle holds the photo with
/// <see cref="FileShare.None"/>, which .NET on Linux enforces with flock, so the decoder's own open fails with an
/// <see cref="IOException"/> ("being used by another process") even for root, until the holder lets go, as a program
/// that is still writing a file or a network share's lock would.
/// </summary>
public class ReadRetryTests
{
    private static readonly PreprocessSpec Spec = new(64, 64);

    private static (TempDir Dir, InputItem Item) Photo()
    {
        var dir = new TempDir();
        var path = dir["photo.jpg"];
        File.Copy(TestPaths.SomePhotos(1)[0], path);
        return (dir, new InputItem("photo.jpg", path));
    }

    private static FileStream Hold(string path) => new(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

    [Fact]
    public void A_photo_held_locked_for_a_moment_is_decoded_once_the_holder_lets_go()
    {
        var (dir, item) = Photo();
        using (dir)
        {
            var holder = Hold(item.FullPath);
            try
            {
                // The fault is there: an ordinary read fails while the lock is held.
                Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(item.FullPath));
                var pauses = new List<TimeSpan>();
                // The holder lets go during the first pause, as a writer finishing its file would.
                var retry = new ReadRetry(ReadRetry.Default.Pauses, pause => { pauses.Add(pause); holder.Dispose(); });

                var decoded = new ImageDecoder(Spec, 100_000_000, readRetry: retry).Decode(item);

                Assert.Equal((64, 64), (decoded.Width, decoded.Height));
                Assert.Equal([TimeSpan.FromMilliseconds(50)], pauses);
            }
            finally
            {
                holder.Dispose();
            }
        }
    }

    [Fact]
    public void A_lock_that_stays_becomes_a_read_error_record_after_every_pause()
    {
        var (dir, item) = Photo();
        using (dir)
        using (Hold(item.FullPath))
        {
            var pauses = new List<TimeSpan>();
            var decoder = new ImageDecoder(Spec, 100_000_000, readRetry: new ReadRetry(ReadRetry.Default.Pauses, pauses.Add));

            var outcome = TaggingPipeline.DecodeOne(decoder, item);

            Assert.Null(outcome.Image);
            Assert.Equal(ImageErrorTypes.ReadError, outcome.Failure!.Error!.Type);
            Assert.Equal([50, 200, 800], pauses.Select(p => p.TotalMilliseconds));
        }
    }

    [Fact]
    public void A_missing_file_is_not_retried()
    {
        using var dir = new TempDir();
        var pauses = new List<TimeSpan>();
        var retry = new ReadRetry(ReadRetry.Default.Pauses, pauses.Add);
        Assert.Throws<FileNotFoundException>(() => retry.Run(() => File.ReadAllBytes(dir["gone.jpg"])));
        Assert.Empty(pauses);
    }
}
