//! rudder-mock.
fn main() {}
