//! Perceptual hashes of the photos an export carries beside its messages (Telegram Desktop's
//! `photos/…jpg`), so that the same picture posted by several accounts is one co-action key
//! however it was recompressed, resized or re-cropped a little.
//!
//! The hash is a 64-bit difference hash (dHash): the picture in grey, shrunk to 9 × 8 by box
//! averaging, one bit per pair of horizontal neighbours (is the left one brighter). Written
//! `dhash:` and 16 hex digits; two pictures within a few bits are the same picture. JPEG is
//! decoded at a reduced scale (the decoder's IDCT scaling), so a photo costs about a millisecond.

use std::io::Read;
use std::path::Path;

/// The largest photo read, in bytes.
pub const MAX_PHOTO: u64 = 32 << 20;

/// The dHash of a JPEG.
pub fn dhash_jpeg(bytes: &[u8]) -> Result<u64, String> {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info()
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    // Any scale down to at least 64 × 64 keeps enough detail for a 9 × 8 grid.
    d.scale(64, 64)
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let pixels = d
        .decode()
        .map_err(|e| format!("not a readable JPEG: {e}"))?;
    let info = d.info().ok_or("a JPEG without a header")?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if w == 0 || h == 0 {
        return Err("an empty picture".into());
    }
    let grey: Vec<f32> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels.iter().map(|&p| f32::from(p)).collect(),
        jpeg_decoder::PixelFormat::L16 => pixels
            .chunks_exact(2)
            .map(|c| f32::from(u16::from_be_bytes([c[0], c[1]])) / 257.0)
            .collect(),
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            .map(|c| 0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2]))
            .collect(),
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .map(|c| {
                let k = 1.0 - f32::from(c[3]) / 255.0;
                let ch = |v: u8| 255.0 * (1.0 - f32::from(v) / 255.0) * k;
                0.299 * ch(c[0]) + 0.587 * ch(c[1]) + 0.114 * ch(c[2])
            })
            .collect(),
    };
    if grey.len() < w * h {
        return Err("a truncated picture".into());
    }
    Ok(dhash(&grey, w, h))
}

/// The dHash of a grey picture `w` × `h` (row-major).
fn dhash(grey: &[f32], w: usize, h: usize) -> u64 {
    // Box averages over a 9 × 8 grid; every cell covers at least one pixel.
    let mut cells = [[0f32; 9]; 8];
    for (r, row) in cells.iter_mut().enumerate() {
        let (y0, y1) = (r * h / 8, ((r + 1) * h / 8).max(r * h / 8 + 1).min(h));
        for (c, cell) in row.iter_mut().enumerate() {
            let (x0, x1) = (c * w / 9, ((c + 1) * w / 9).max(c * w / 9 + 1).min(w));
            let mut sum = 0.0;
            for y in y0..y1 {
                sum += grey[y * w + x0..y * w + x1].iter().sum::<f32>();
            }
            *cell = sum / ((y1 - y0) * (x1 - x0)) as f32;
        }
    }
    let mut bits = 0u64;
    for row in &cells {
        for c in 0..8 {
            bits = (bits << 1) | u64::from(row[c] > row[c + 1]);
        }
    }
    bits
}

/// The hash of the photo file at `path`, as item image keys write it (`dhash:…`).
pub fn dhash_file(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_PHOTO + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_PHOTO {
        return Err(format!("larger than {MAX_PHOTO} bytes"));
    }
    dhash_jpeg(&bytes).map(|b| format!("dhash:{b:016x}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/telegram/photos")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn the_same_picture_recompressed_and_resized_stays_within_a_few_bits() {
        let a = dhash_jpeg(&fixture("photo_1.jpg")).unwrap();
        let b = dhash_jpeg(&fixture("photo_1_small_q40.jpg")).unwrap();
        let c = dhash_jpeg(&fixture("photo_2.jpg")).unwrap();
        assert!((a ^ b).count_ones() <= 6, "{a:016x} {b:016x}");
        assert!((a ^ c).count_ones() > 16, "{a:016x} {c:016x}");
    }

    #[test]
    fn what_is_no_jpeg_is_an_error() {
        assert!(dhash_jpeg(b"not a jpeg").is_err());
        let mut cut = fixture("photo_1.jpg");
        cut.truncate(cut.len() / 3);
        // A cut file either decodes what it has or says it cannot; it never panics.
        let _ = dhash_jpeg(&cut);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let mut b = vec![0xff, 0xd8];
            b.extend(bytes);
            let _ = dhash_jpeg(&b);
        }
    }
}
