/// The right to sweep a spool, held by one sweeper at a time (``Spool/tryAcquireSweeperLease()``).
///
/// A lease can be lost while its holder works. A lease with an expiry — an object store's lease object that
/// its holder renews every so often — is lost when a renewal fails or comes too late, and then another
/// sweeper may take the spool over. So the holder asks ``check()`` before every step that must be its alone:
/// before it starts a delivery and before each write that settles an object, and stops once the lease is
/// lost. Work already done is not undone: a delivery in flight when the lease was lost may be sent again by
/// the next holder (at-least-once, with the same event id).
///
/// ``DirectorySpool``'s lease is a `flock` the kernel holds for the process: it never expires, needs no
/// renewal, and is lost only when released.
public protocol SpoolLease: AnyObject, Sendable {
    /// How often ``renew()`` must be called to keep the lease: `nil` when the lease needs no renewal (a lock
    /// held for as long as its holder runs). A holder that renews later may find the lease lost.
    var renewalInterval: Duration? { get }

    /// Throws unless the lease is still held, as far as the holder can tell without asking the store: cheap
    /// and without I/O, to be called before every step that needs the lease.
    ///
    /// - Throws: ``SpoolError`` with code ``SpoolError/Code/leaseLost`` when the lease was released, expired,
    ///   was taken over, or its renewal is overdue; once it throws, it throws for good.
    func check() throws(SpoolError)

    /// Extends the lease by its term, from now.
    ///
    /// - Throws: ``SpoolError`` with code ``SpoolError/Code/leaseLost`` when the lease is lost (``check()``
    ///   throws from then on); another code when the store could not be asked, in which case the lease holds
    ///   until it expires and ``check()`` says when that is.
    func renew() async throws(SpoolError)

    /// Gives the lease up, so that another sweeper may take it at once. Calling it again does nothing.
    func release() async
}

extension SpoolLease {
    /// Whether the lease is still held (``check()`` does not throw).
    public var isValid: Bool {
        do {
            try check()
            return true
        } catch {
            return false
        }
    }
}
