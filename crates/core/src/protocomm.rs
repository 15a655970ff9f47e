//! The device endpoint router (to come).
