export * from "./attachments";
export * from "./client";
export * from "./errors";
export * from "./marker";
export * from "./watch";
