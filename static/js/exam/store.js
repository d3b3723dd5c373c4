// What the page knows of the block: the server's last word on each item, and the unsent
// changes laid over it, field by field, in the order they were made.

function applyChange(state, change) {
  switch (change.field) {
    case "answer":
      return state.submitted ? state : { ...state, answer: change.value };
    case "submit":
      return state.submitted ? state : { ...state, answer: change.value, submitted: true };
    case "time_spent":
      return { ...state, time_spent: change.value };
    default:
      return { ...state, [change.field]: change.value };
  }
}

export class Store {
  constructor(block) {
    this.block = block;
    this.items = new Map(block.items.map((item) => [item.position, item]));
    this.count = block.items.length;
  }

  item(position) {
    return this.items.get(position);
  }

  // The server's answer to a batch: its state of the items it touched, and reviews.
  accept(answer) {
    this.block.status = answer.status;
    for (const { position, state, review } of answer.items) {
      const item = this.items.get(position);
      item.state = state;
      if (review) {
        item.review = review;
      }
    }
  }

  view(position, pending) {
    const item = this.items.get(position);
    return pending
      .filter((change) => change.position === position)
      .reduce(applyChange, item.state);
  }

  positions(pending, test) {
    return [...this.items.keys()].filter((position) => test(this.view(position, pending)));
  }
}
