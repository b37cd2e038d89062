"""Work that takes time: the batch of reports (and, later, the queue's tasks)."""
