"""A training run's records in bounded memory: the recent ones whole, the older ones thinned.

A run makes one record per step, forever if the user keeps pressing Start: a list of them grew
without bound and was copied under the training lock twice a second (issue 14). `RunHistory`
keeps the last `WHOLE_RECORDS` records one by one (a CSV export of a run up to that many steps is
complete) and thins the older ones to at most `THINNED_RECORDS`, every other one at a time, so a
chart still shows the whole run. Records that hold an epoch's test accuracy are never thinned.
`thinned` counts the records dropped, for the page to say so.

Not thread-safe by itself: `ffviz.runner.TrainingRun` calls it under its lock.
"""

WHOLE_RECORDS = 10_000  # The most recent records, all kept: 16 epochs of full MNIST at batch 100.
THINNED_RECORDS = 2_000  # At most this many older records, evenly thinned.
SPILL_RECORDS = 1_000  # Records moved from the whole part to the thinned part at a time.


class RunHistory:
    """Records of one run: `records()` gives the kept ones in order, oldest first.

    Args:
        whole: the number of most recent records kept whole.
        thinned: the most older records kept, thinned evenly.
    """

    def __init__(self, whole=WHOLE_RECORDS, thinned=THINNED_RECORDS):
        if whole < 1 or thinned < 2:
            raise ValueError(f"Need whole >= 1 and thinned >= 2. Received: whole={whole}, thinned={thinned}")
        self.whole = whole
        self.thinned_limit = thinned
        self.spill = max(1, min(SPILL_RECORDS, whole))
        self._older = []  # Thinned records, oldest first.
        self._recent = []  # The last `whole` to `whole + spill` records, all of them.
        self.total = 0  # Records ever added.
        self.thinned = 0  # Records dropped by thinning.

    def __len__(self):
        return len(self._older) + len(self._recent)

    def __bool__(self):
        return self.total > 0

    def __repr__(self):
        return f"RunHistory(kept={len(self)}, total={self.total}, thinned={self.thinned})"

    def extend(self, records):
        """Add records (dicts with "step"), oldest first."""
        self._recent.extend(records)
        self.total += len(records)
        if len(self._recent) > self.whole + self.spill:
            cut = len(self._recent) - self.whole
            self._older.extend(self._recent[:cut])
            del self._recent[:cut]
            while len(self._older) > self.thinned_limit:
                self._thin_older()

    def _thin_older(self):
        """Drop every other older record, keeping the ones with an epoch's test accuracy."""
        kept = [
            record
            for index, record in enumerate(self._older)
            if index % 2 == 0 or record.get("test_accuracy") is not None
        ]
        if len(kept) == len(self._older):  # Only accuracy records left: drop the oldest half of them.
            kept = kept[len(kept) // 2 :]
        self.thinned += len(self._older) - len(kept)
        self._older = kept

    def records(self):
        """The kept records, oldest first, as a new list (a cheap copy of references)."""
        return self._older + self._recent

    def last(self):
        """The newest record, or None."""
        return self._recent[-1] if self._recent else None

    def complete_from(self):
        """The first step from which every record is kept (1 when none was thinned)."""
        if self.thinned == 0 or not self._recent:
            return 1
        return self._recent[0]["step"]
