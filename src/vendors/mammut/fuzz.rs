//! Mammut sends nothing to an integrator's receiver: its bot answers through
//! Freshchat's API (REFERENCE 4.5 and 4.6), which fakedesk serves itself. So it has
//! no generators and registers no fuzz payloads.

use crate::payload::Target;

/// What `fakedesk fuzz` can send as Mammut: nothing.
pub const PAYLOADS: &[Target] = &[];
