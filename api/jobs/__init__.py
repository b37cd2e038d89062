"""Work that takes time, off the requests people wait for: the queue (``queue``: huey, embedded
in SQLite or on Redis), the job that renders a batch of reports (``report_batch``) into the
folder of its snapshot (``report_sets``), and the renderer itself (``batch``, with its index in
``batch_index``), which ``transversal report`` also runs directly."""
