/**
 * The shapes of Envision Connect's client-to-Ensono calls (the guide's
 * "Bridge Data", "Fields for Opening/Updating a Ticket", approvals and
 * attachments) and of the queue transactions it sends back. Names here are
 * stable: the queue and mapping code import them.
 */

/** Ticket types the bridge knows; creates and updates take Incident or Request only. */
export type EnsonoTicketType = "Incident" | "Request" | "Change";
export const ENSONO_TICKET_TYPES: readonly EnsonoTicketType[] = ["Incident", "Request", "Change"];

/** Ticket statuses a client may send ("workingprogress" is the guide's spelling). */
export type EnsonoStatus = "open" | "workingprogress" | "pending" | "resolved" | "closed" | "cancelled";
export const ENSONO_STATUSES: readonly EnsonoStatus[] = ["open", "workingprogress", "pending", "resolved", "closed", "cancelled"];

/** Whether creates carry `priority` (1–4) or `impact` + `urgency` (1–3): one choice, kept for every create. */
export type EnsonoCreateMode = "priority" | "impact-urgency";

/** Every client-to-Ensono call of ensono-ticket-out. */
export type EnsonoAction = "create" | "update" | "notes" | "returnptn" | "resolve" | "close" | "cancel" | "approve" | "reject" | "attachment";
export const ENSONO_ACTIONS: readonly EnsonoAction[] = ["create", "update", "notes", "returnptn", "resolve", "close", "cancel", "approve", "reject", "attachment"];

/** One entry of the comments array (only `body` is required). */
export interface EnsonoComment {
  body: string;
  commenter?: string;
  commentTime?: string;
  commenterEmail?: string;
  commenterPhone?: string;
}

/** Fields common to every call: the client's own ticket number and the ticket type. */
export interface EnsonoIdentity {
  clientTicketNumber: string;
  ticketType: EnsonoTicketType;
}

/** POST /tickets */
export interface EnsonoCreateInput extends EnsonoIdentity {
  description: string;
  shortDescription: string;
  contactName: string;
  contactEmail: string;
  contactPhone?: string;
  group?: string;
  priority?: string | number;
  impact?: string | number;
  urgency?: string | number;
  /** comma separated, or an array joined with commas */
  cis?: string | string[];
  comments?: EnsonoComment[];
}

/** PUT /tickets/{n}: only the fields that changed */
export interface EnsonoUpdateInput extends EnsonoIdentity {
  status?: EnsonoStatus;
  closeNotes?: string;
  description?: string;
  shortDescription?: string;
  group?: string;
  priority?: string | number;
  impact?: string | number;
  urgency?: string | number;
  comments?: EnsonoComment[];
}

/** PUT /tickets/{n}/notes */
export interface EnsonoNotesInput extends EnsonoIdentity {
  comments: EnsonoComment[];
}

/** PUT /tickets/{n}/approve and /reject (comments carry only a body) */
export interface EnsonoApprovalInput extends EnsonoIdentity {
  approver: string;
  approvalId: string;
  comments: EnsonoComment[];
}

/** GET /tickets/{n}/attachments/{filename}[.base64], then PUT to the returned URL */
export interface EnsonoAttachmentInput {
  filename: string;
  /** binary data, or base64 text when `encoding` is "base64" */
  content: Buffer | string;
  encoding?: "binary" | "base64";
  /** defaults from the file extension; base64 uploads are always text/plain */
  contentType?: string;
}

/** The JSON body the bridge answers with: `{"Response": …}` */
export interface EnsonoResponse {
  Response: unknown;
  [key: string]: unknown;
}

/** What a ticket call ended with (msg.ensono in ensono-ticket-out). */
export interface EnsonoCallResult {
  action: EnsonoAction;
  /** the Ensono ticket number (for create: the one the bridge returned) */
  ticketNumber: string;
  clientTicketNumber?: string;
  ticketType?: EnsonoTicketType;
  /** HTTP status of the bridge's (last) answer */
  status: number;
  /** the status the call set on the ticket (update/resolve/close/cancel), if any */
  ticketStatus?: EnsonoStatus;
  /** the bridge's answer body */
  response: unknown;
  /** the payload sent (after escaping); it holds no secret */
  sent?: Record<string, unknown>;
  /** set when the call timed out and was sent a second time */
  resent?: { reason: string; waitMs: number };
  /** set when Ensono rejected the group and the default group was sent instead */
  groupFallback?: { requested: string; sent: string };
  /** attachment uploads */
  attachment?: { filename: string; bytes: number; contentType: string; encoding: "binary" | "base64"; urlRenewed: boolean };
}

/** Progress a long call reports (for node status). */
export interface EnsonoCallHooks {
  /** before waiting to resend a timed-out update or note */
  onResend?: (info: { waitMs: number; reason: string }) => void;
  /** before resending with the default group */
  onGroupFallback?: (info: { requested: string; sent: string }) => void;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------
// Queue (Ensono-to-client) shapes, shared with the queue client and nodes.

/** Attributes.TransactionType values (all variants the guide shows). */
export type EnsonoTransactionType =
  | "Create"
  | "Update"
  | "Notes"
  | "Closure"
  | "Attachment"
  | "ReturnEnsonoNum"
  | "Approval Request"
  | "Redraft"
  | (string & {});

export interface EnsonoQueueAttributes {
  SenderId?: string;
  ApproximateFirstReceiveTimestamp?: string;
  ApproximateReceiveCount?: string;
  SentTimestamp?: string;
  SequenceNumber?: string;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
  ClientReferenceAvailable?: boolean | string;
  TransactionType?: EnsonoTransactionType;
  [key: string]: unknown;
}

/** A ticket transaction body as Ensono sends it (every field optional: the nodes accept every variant). */
export interface EnsonoTicketBody {
  clientName?: string;
  ticketNumber?: string;
  clientTicketNumber?: string;
  ticketType?: string;
  status?: string;
  state?: string;
  statusNextAction?: string;
  description?: string;
  shortDescription?: string;
  group?: string;
  ensonoGroup?: string;
  ensonogroup?: string;
  priority?: string;
  impact?: string;
  urgency?: string;
  closeCode?: string;
  closeNotes?: string;
  changed?: Record<string, unknown>;
  notes?: { type?: string; id?: string; body?: string; commenter?: string; commenterEmail?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface EnsonoQueueMessage {
  MessageId?: string;
  ReceiptHandle: string;
  MD5OfBody?: string;
  Body: EnsonoTicketBody;
  Attributes: EnsonoQueueAttributes;
}
