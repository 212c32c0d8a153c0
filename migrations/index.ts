import { Initial1795237615791 } from './1795237615791-Initial.js';
import { Conversations1795238163930 } from './1795238163930-Conversations.js';
import { PaymentLinkAttempts1795238847700 } from './1795238847700-PaymentLinkAttempts.js';
import { StripeEventInbox1795240742111 } from './1795240742111-StripeEventInbox.js';
import { InboxBackoff1795400000000 } from './1795400000000-InboxBackoff.js';
import { RequestFlags1795401000000 } from './1795401000000-RequestFlags.js';
import { LinkRecovery1795410000000 } from './1795410000000-LinkRecovery.js';
import { AgentTrust1795420000000 } from './1795420000000-AgentTrust.js';
import { CardStoryAndDelegation1795430000000 } from './1795430000000-CardStoryAndDelegation.js';
import { ApprovalWorkflow1795440000000 } from './1795440000000-ApprovalWorkflow.js';
import { DeadLetterDiscard1795450000000 } from './1795450000000-DeadLetterDiscard.js';
import { ReportSummaries1795460000000 } from './1795460000000-ReportSummaries.js';
import { PaymentIntentIndex1795490000000 } from './1795490000000-PaymentIntentIndex.js';

/** Every migration, oldest first. Imported explicitly so the same list runs from `src` (tsx, jest) and `dist`. */
export const MIGRATIONS = [
  Initial1795237615791,
  Conversations1795238163930,
  PaymentLinkAttempts1795238847700,
  StripeEventInbox1795240742111,
  InboxBackoff1795400000000,
  RequestFlags1795401000000,
  LinkRecovery1795410000000,
  AgentTrust1795420000000,
  CardStoryAndDelegation1795430000000,
  ApprovalWorkflow1795440000000,
  DeadLetterDiscard1795450000000,
  ReportSummaries1795460000000,
  PaymentIntentIndex1795490000000,
];
