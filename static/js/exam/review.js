// What review says of an item: the student's answer against the key, time against peers,
// and how other students answered (when enough have, as the server decides).

export function outcome(view, review) {
  if (!view.answer) {
    return "omitted";
  }
  return view.answer === review.key ? "correct" : "incorrect";
}

const LABELS = { correct: "Correct", incorrect: "Incorrect", omitted: "Omitted" };

export function resultLine(view, review) {
  const parts = [
    LABELS[outcome(view, review)],
    `your answer: ${view.answer || "none"}`,
    `correct answer: ${review.key}`,
    `your time: ${view.time_spent} s`,
  ];
  if (review.peers.median_seconds !== null) {
    parts.push(`others' median: ${Math.round(review.peers.median_seconds)} s`);
  }
  return `${parts.join(" · ")}.`;
}

export function peersLine(review) {
  const peers = review.peers;
  if (!peers.shown) {
    return peers.reason;
  }
  const shares = Object.entries(peers.options).map(([letter, share]) => `${letter} ${share}%`);
  return `Students choosing each option: ${shares.join(", ")} (${peers.responses} answers).`;
}

export function matches(filter, view, review) {
  if (filter === "all") {
    return true;
  }
  if (filter === "marked") {
    return view.marked;
  }
  return outcome(view, review) === filter;
}
