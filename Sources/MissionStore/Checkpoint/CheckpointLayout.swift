/// Where a checkpoint file keeps its boards: in segments of `Checkpoint.segmentBoards`, each
/// encoded on its own (its own intern table), so that the next checkpoint can copy the bytes
/// of a segment that nothing changed in instead of encoding its boards again. Most missions
/// end soon after they start, so all but the newest segments are copied: a checkpoint costs
/// in proportion to what changed, not to every mission ever run.
struct CheckpointLayout: Sendable, Equatable {
    struct Segment: Sendable, Equatable {
        var boards: Int
        /// Where the segment's bytes start in the file, and how many there are.
        var offset: Int
        var length: Int
    }

    /// Slots of an older epoch than this were not changed since the checkpoint was taken
    /// (`MissionBoard.Slot`: a change after a seal replaces the slot with one of the new epoch).
    var epoch: Int
    /// The file this describes, checked before any byte of it is copied: a file deleted or
    /// replaced since is not read, and every segment is encoded afresh.
    var fileSize: Int
    var trailer: UInt64
    var segments: [Segment]

    /// Whether the boards of `slots`, the segment at `index` now, are still exactly what that
    /// segment of this file holds.
    func unchanged(_ index: Int, _ slots: ArraySlice<MissionBoard.Slot>) -> Bool {
        index < segments.count && segments[index].boards == slots.count && slots.allSatisfy { $0.epoch < epoch }
    }
}
