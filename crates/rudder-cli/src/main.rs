//! The rudder binary.
fn main() {}
