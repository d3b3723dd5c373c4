// Highlights in an item's stem, kept as [start, end] character offsets into its text, so they
// survive a redraw, another device, and a different text size.

export function merge(ranges) {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) {
      last[1] = Math.max(last[1], end);
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push(node);
  }
  return nodes;
}

function offsetOf(root, container, offset) {
  let total = 0;
  for (const node of textNodes(root)) {
    if (node === container) {
      return total + offset;
    }
    total += node.data.length;
  }
  // An element boundary: count the text before its offset-th child.
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(container, offset);
  return range.toString().length;
}

// The selection inside `root` as [start, end], or null when there is none there.
export function selectedRange(root) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) {
    return null;
  }
  const range = selection.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) {
    return null;
  }
  const start = offsetOf(root, range.startContainer, range.startOffset);
  const end = offsetOf(root, range.endContainer, range.endOffset);
  return start < end ? [start, end] : null;
}

// Wrap each range's text in <mark class="exam-highlight" data-range="start-end">.
export function paint(root, ranges) {
  for (const mark of root.querySelectorAll("mark.exam-highlight")) {
    mark.replaceWith(...mark.childNodes);
  }
  root.normalize();
  for (const [start, end] of ranges) {
    let position = 0;
    for (const node of textNodes(root)) {
      const from = Math.max(start, position);
      const to = Math.min(end, position + node.data.length);
      if (from < to && node.data.trim()) {
        let target = node;
        if (from > position) {
          target = target.splitText(from - position);
        }
        if (to < position + node.data.length) {
          target.splitText(to - from);
        }
        const mark = document.createElement("mark");
        mark.className = "exam-highlight";
        mark.dataset.range = `${start}-${end}`;
        mark.title = "Click to remove this highlight";
        target.replaceWith(mark);
        mark.append(target);
      }
      position += node.data.length;
    }
  }
}
