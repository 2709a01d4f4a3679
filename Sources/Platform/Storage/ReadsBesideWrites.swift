import FluentKit

/// A database that can hand out the same database over another connection; see `besideWrites()`.
public protocol ReadsBesideWritesDatabase: Sendable {
    func databaseBesideWrites() -> (any Database)?
}

extension Database {
    /// The same database over another connection than this handle's, for reads that run while a
    /// write transaction on this handle is open: an invoice run reads its next chunk while it
    /// writes the current one. On a SQLite file the driver keeps one connection per event loop,
    /// so a read on the writer's own handle waited for each chunk's commit and the reading and
    /// writing took turns. In write-ahead-log mode the other connection reads the last committed
    /// state meanwhile. Where there is no other connection to use (PostgreSQL's pool already
    /// lends another; an in-memory SQLite database shares one cache between its connections,
    /// where a read beside an open write fails at once; a single event loop) it is this handle,
    /// and so it is inside a transaction, whose own writes another connection would not see.
    public func besideWrites() -> any Database {
        (self as? any ReadsBesideWritesDatabase)?.databaseBesideWrites() ?? self
    }
}
