/**
 * The few DOM members the page uses, typed here: the library compiles without TypeScript's DOM library, so
 * that nothing else in it can lean on a browser by accident.
 */

/** An element of the page. */
export interface PageElement {
  textContent: string | null;
  hidden: boolean;
  className: string;
  dataset: Record<string, string | undefined>;
  append(...nodes: Array<PageElement | string>): void;
  replaceChildren(...nodes: Array<PageElement | string>): void;
  addEventListener(type: string, listener: () => void): void;
}

/** A text box, number box or checkbox. */
export interface InputElement extends PageElement {
  value: string;
  checked: boolean;
  disabled: boolean;
}

interface PageDocument {
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
}

function pageDocument(): PageDocument {
  return (globalThis as unknown as { document: PageDocument }).document;
}

/** The element with this id (the page's own HTML has them all). */
export function byId<T extends PageElement = PageElement>(id: string): T {
  const found = pageDocument().getElementById(id);
  if (!found) throw new Error(`the page has no element #${id} (is index.html from the same export as app.js?)`);
  return found as T;
}

/** A new element holding `text`. */
export function element(tag: string, text = "", className = ""): PageElement {
  const e = pageDocument().createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}
