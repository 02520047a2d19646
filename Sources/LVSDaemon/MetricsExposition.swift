import LVSModel
public import NIOCore

/// `/metrics` as a sequence of parts, each rendered when it is taken: the daemon's own series,
/// then the IPVS counters one metric family at a time (about 14 MB for 64,000 servers). The
/// endpoint sends each part while the next is rendered, so a hundred MB is on the wire while it
/// is being made, and never in memory as a whole.
///
/// The families alternate between two buffers, kept from one scrape to the next: a part's
/// buffer is written into again two parts later, when the consumer has sent it (one that still
/// holds it gets a copy, as with any `ByteBuffer`).
public struct MetricsExposition: Sequence, Sendable {
    let own: ByteBuffer
    let table: (live: LiveState, desired: DesiredState)?
    let metrics: DaemonMetrics

    public func makeIterator() -> Iterator { Iterator(self) }

    public struct Iterator: IteratorProtocol {
        private let exposition: MetricsExposition
        private var series: IPVSMetrics.Series?
        private var buffers: [ByteBuffer] = []
        /// The next part: -1 for the daemon's own series, then the families.
        private var index = -1

        init(_ exposition: MetricsExposition) { self.exposition = exposition }

        public mutating func next() -> ByteBuffer? {
            guard index >= 0 else {
                index = 0
                return exposition.own
            }
            guard let table = exposition.table, index < IPVSMetrics.familyCount else { return nil }
            if series == nil { (series, buffers) = exposition.metrics.startRendering(table) }
            let slot = index % 2
            buffers[slot].clear()
            series?.render(family: index, into: &buffers[slot])
            index += 1
            if index == IPVSMetrics.familyCount { exposition.metrics.finishRendering(buffers) }
            return buffers[slot]
        }
    }
}
