//! One module per input format, each implementing [`crate::Importer`].

pub mod crowdtangle;
pub mod feed;
pub mod fourcat;
pub mod generic;
pub mod telegram;
pub mod toolkit;
pub mod x_v2;

use crate::Importer;

/// Every importer, in sniffing priority order (a tie in confidence goes to the earlier one).
pub fn all() -> Vec<Box<dyn Importer>> {
    vec![
        Box::new(telegram::Telegram),
        Box::new(x_v2::XV2),
        Box::new(feed::Feed),
        Box::new(toolkit::Toolkit),
        Box::new(crowdtangle::CrowdTangle),
        Box::new(fourcat::FourCat),
        Box::new(generic::Generic),
    ]
}
