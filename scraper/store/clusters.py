"""The near-duplicate index in SQLite: incremental clustering over the database.

Why: a monitor's database only grows. Re-clustering every article after every crawl held
all signatures in memory (1.3 GB and minutes at 200,000 articles) to place a few hundred
new ones. Here each clustered article's LSH band keys live in `lsh_bands`, so a crawl's
new and changed articles find their candidates with indexed lookups, and only the
clusters they touch are read and rewritten. Memory and time follow the new articles,
not the database.

The result is the same as `scraper.dedup.minhash.cluster` over every article (tests compare them):
the clusters are the connected components of the same graph (LSH candidates verified
with the full signature; exact copies have equal signatures, so they are candidates with
similarity 1). Adding an article only adds edges, so its components merge. A changed
text can remove edges: its old cluster, whose other members are settled, is split again
from their signatures before the article joins with its new text.

State: a clustered article has a row in `cluster_nodes` (its node number, signature and
cluster, narrow enough that reading a thousand candidates does not read their texts) and
`articles.clustered_sha1` names the text it was indexed with; an article is pending when
that is not its `text_sha1` (a partial index lists them). A changed article loses its
node; the band rows of the old node are left behind (they match no node) until `rebuild`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scraper.dedup.minhash import THRESHOLD as SIMILAR
from scraper.dedup.minhash import (
    ClusterInput,
    Signature,
    assign_group,
    band_keys,
    cluster,
    share_a_band,
    signature,
    similarity,
)

CHUNK = 2000  # pending articles per transaction: a crash keeps every finished chunk
SEEN_LIMIT = 5_000  # candidates kept parsed within a chunk (about 5 KB each: 25 MB at most)

# A label names a group of articles while a chunk is placed: ("c", cluster_id) is a settled
# cluster as stored, ("a", article_id) an article placed by this chunk.
Label = tuple[str, str]


@dataclass
class _Member:
    id: str
    published: str | None
    text_sha1: str | None
    signature: Signature
    cluster_id: str | None
    is_original: int | None
    similarity_to_original: float | None

    def as_input(self) -> ClusterInput:
        return ClusterInput(self.id, self.published, self.signature, self.text_sha1 or self.id)


_NODE_COLUMNS = "article_id, published, text_sha1, signature, cluster_id, is_original, similarity_to_original"
_PENDING = "clustered_sha1 is not text_sha1"  # the partial index's condition, word for word


class ClusterIndex:
    """Places pending articles into clusters on one connection (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # ---- entry points ----------------------------------------------------------------

    def update(self) -> int:
        """Cluster every pending article; returns how many articles changed cluster or
        original status (as a full re-clustering would count them)."""
        # each written article's state before this update, kept by SQLite (not in memory) to count moves
        self.conn.execute("create temp table if not exists cluster_before "
                          "(id text primary key, cluster_id text, is_original integer)")
        self.conn.execute("delete from temp.cluster_before")
        with self.conn:
            self._detach_changed()
        pending = [row[0] for row in self.conn.execute(f"select id from articles where {_PENDING} order by id")]
        for start in range(0, len(pending), CHUNK):
            with self.conn:  # one transaction per chunk
                _Chunk(self, pending[start:start + CHUNK]).place()
        moved = self.conn.execute(
            "select count(*) from temp.cluster_before b join articles a on a.id = b.id "
            "where a.cluster_id is not b.cluster_id or a.is_original is not b.is_original").fetchone()[0]
        self.conn.execute("delete from temp.cluster_before")
        self.conn.commit()
        return moved

    def rebuild(self) -> int:
        """Forget the index and cluster every article again (equal to `update` on a fresh
        database; also drops the rows left behind by changed texts)."""
        with self.conn:
            self.conn.execute("delete from lsh_bands")
            self.conn.execute("delete from cluster_nodes")
            self.conn.execute("update articles set clustered_sha1 = null where clustered_sha1 is not null")
        return self.update()

    # ---- reading -----------------------------------------------------------------------

    def settled(self, where: str, params: list) -> list[_Member]:
        """Clustered articles, from the narrow node table."""
        return [member for _, member in self.settled_nodes(where, params)]

    def settled_nodes(self, where: str, params: list) -> list[tuple[int, _Member]]:
        return [(node, _Member(article_id, published, text_sha1, Signature.from_bytes(packed), cluster_id,
                               is_original, score))
                for node, article_id, published, text_sha1, packed, cluster_id, is_original, score
                in self.conn.execute(f"select node, {_NODE_COLUMNS} from cluster_nodes where {where}", params)]

    def pending(self, ids: list[str]) -> list[_Member]:
        """Articles to place, from `articles` (their signature computed if missing or stale)."""
        found = []
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self.conn.execute(
                "select id, published, text_sha1, signature, signature_of, cluster_id, is_original, "
                f"similarity_to_original from articles where id in ({', '.join('?' * len(part))})", part).fetchall()
            for article_id, published, text_sha1, stored, signature_of, cluster_id, is_original, score in rows:
                sig = self._signature(article_id, text_sha1, stored, signature_of)
                found.append(_Member(article_id, published, text_sha1, sig, cluster_id, is_original, score))
        return found

    def _signature(self, article_id: str, text_sha1: str | None, stored: str | None,
                   signature_of: str | None) -> Signature:
        """The stored signature when it belongs to the current text, else computed from
        the text and written back (pages stored without one, or by an older version)."""
        if stored and signature_of == text_sha1:
            try:
                return Signature.from_str(stored)
            except ValueError:
                pass
        text = self.conn.execute("select text from articles where id = ?", [article_id]).fetchone()[0]
        sig = signature(text or "")
        self.conn.execute("update articles set signature = ?, signature_of = ? where id = ?",
                          [sig.to_str(), text_sha1, article_id])
        return sig

    # ---- writing -----------------------------------------------------------------------

    def write_group(self, members: list[_Member]) -> None:
        """One cluster: its original (earliest published) and each member's similarity
        to it; only rows that differ are written (in `articles` and the node table)."""
        if not members:
            return
        for member, assignment in zip(members, assign_group([m.as_input() for m in members]), strict=True):
            state = (assignment.cluster_id, int(assignment.is_original))
            score = round(assignment.similarity_to_original, 4)
            if (member.cluster_id, member.is_original) == state and member.similarity_to_original == score:
                continue
            self.conn.execute("insert or ignore into temp.cluster_before values (?, ?, ?)",
                              [member.id, member.cluster_id, member.is_original])
            self.conn.execute(
                "update articles set cluster_id = ?, is_original = ?, similarity_to_original = ? where id = ?",
                [*state, score, member.id])
            self.conn.execute("update cluster_nodes set cluster_id = ?, is_original = ?, similarity_to_original = ? "
                              "where article_id = ?", [*state, score, member.id])

    def _detach_changed(self) -> None:
        """Articles whose text changed since they were clustered leave the index; the
        clusters they were in are split again from their remaining members' signatures
        (removing an article can only split its cluster)."""
        changed = self.conn.execute(
            f"select article_id, cluster_id from cluster_nodes where article_id in "
            f"(select id from articles where {_PENDING})").fetchall()
        if not changed:
            return
        self.conn.executemany("delete from cluster_nodes where article_id = ?", [(i,) for i, _ in changed])
        for old in sorted({cluster_id for _, cluster_id in changed if cluster_id is not None}):
            rest = self.settled("cluster_id = ?", [old])
            by_id = {m.id: m for m in rest}
            groups: dict[str, list[_Member]] = {}
            for assignment in cluster(m.as_input() for m in rest):
                groups.setdefault(assignment.cluster_id, []).append(by_id[assignment.article_id])
            for group in groups.values():
                self.write_group(group)


class _Chunk:
    """One transaction's worth of pending articles (none of them in a settled cluster)."""

    def __init__(self, index: ClusterIndex, ids: list[str]) -> None:
        self.index = index
        self.conn = index.conn
        self.ids = ids
        self.parent: dict[Label, Label] = {}
        self.placed: dict[str, _Member] = {}
        self.seen: dict[int, _Member] = {}  # candidates read in this chunk, by node

    def place(self) -> None:
        for article in self.index.pending(self.ids):
            self._join(article)
        self._finalize()

    # ---- union-find over labels ------------------------------------------------------

    def _find(self, label: Label) -> Label:
        self.parent.setdefault(label, label)
        root = label
        while self.parent[root] != root:
            root = self.parent[root]
        while label != root:  # path compression
            label, self.parent[label] = self.parent[label], root
        return root

    def _union(self, a: Label, b: Label) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    # ---- placing -----------------------------------------------------------------------

    def _join(self, article: _Member) -> None:
        """Union a pending article with every verified candidate, then index it."""
        mine = ("a", article.id)
        self._find(mine)
        keys = band_keys(article.signature)
        for candidate in self._candidates(article.id, keys):
            # placed earlier in this chunk: its own label; settled before: its stored cluster
            theirs = ("a", candidate.id) if candidate.id in self.placed else ("c", candidate.cluster_id)
            if self._find(theirs) != self._find(mine) and similarity(article.signature, candidate.signature) \
                    >= SIMILAR and share_a_band(article.signature, candidate.signature):
                self._union(mine, theirs)
        node = self.conn.execute(
            f"insert into cluster_nodes ({_NODE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)",
            [article.id, article.published, article.text_sha1, article.signature.to_bytes(), article.cluster_id,
             article.is_original, article.similarity_to_original]).lastrowid
        self.conn.executemany("insert or ignore into lsh_bands (key, node) values (?, ?)", [(k, node) for k in keys])
        self.conn.execute("update articles set clustered_sha1 = text_sha1 where id = ?", [article.id])
        self.placed[article.id] = article

    def _candidates(self, article_id: str, keys: list[int]) -> list[_Member]:
        """Indexed articles sharing a band key. Their rows do not change until the chunk
        is written, so each is read once per chunk (texts that all look a little alike
        make the same articles candidates again and again)."""
        if not keys:
            return []
        nodes = [row[0] for row in self.conn.execute(
            f"select distinct node from lsh_bands where key in ({', '.join('?' * len(keys))})", keys)]
        missing = [node for node in nodes if node not in self.seen]
        if len(self.seen) + len(missing) > SEEN_LIMIT:
            self.seen.clear()  # memory stays bounded on a large database
            missing = nodes
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            for node, member in self.index.settled_nodes(f"node in ({', '.join('?' * len(part))})", part):
                self.seen[node] = member
        return [self.seen[node] for node in nodes if node in self.seen and self.seen[node].id != article_id]

    def _finalize(self) -> None:
        """Write every group this chunk touched: its placed articles and the settled
        clusters they joined."""
        placed: dict[Label, list[str]] = {}
        merged: dict[Label, list[str]] = {}
        for label in list(self.parent):
            root = self._find(label)
            (placed if label[0] == "a" else merged).setdefault(root, []).append(label[1])
        for root, article_ids in placed.items():
            members = {i: self.placed[i] for i in article_ids}
            for cluster_id in merged.get(root, []):
                for m in self.index.settled("cluster_id = ?", [cluster_id]):
                    members.setdefault(m.id, m)
            self.index.write_group(list(members.values()))
