//! The snapshot catalog's states: where a catalogued snapshot stands and who made it,
//! stored as text (`proj_snapshots.state`, `.origin`) by [`crate::text_enum!`].

crate::text_enum! {
    /// Where a snapshot stands.
    pub enum SnapshotState {
        Present = "present",
        /// Deleted by dist-btrfs.
        Deleted = "deleted",
        /// Found missing from disk by an inventory sync.
        Vanished = "vanished",
    }
}

crate::text_enum! {
    /// Who made a snapshot.
    pub enum SnapshotOrigin {
        /// dist-btrfs.
        Created = "created",
        /// Someone else; found by an inventory sync.
        Discovered = "discovered",
    }
}
