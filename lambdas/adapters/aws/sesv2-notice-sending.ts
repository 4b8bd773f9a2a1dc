// The switch of the notices' SES configuration set (SESv2): read it, pause it
// (the reputation alarm's function) or enable it again (the operator's
// `backup-mx notices resume`). Only this configuration set: the account's
// sending, which the user's other applications share, is never touched.
import { GetConfigurationSetCommand, PutConfigurationSetSendingOptionsCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { NoticeSending } from '../../core/outcome/notice-ports.js';

export class SesV2NoticeSending implements NoticeSending {
  constructor(
    private readonly sesv2: SESv2Client,
    readonly name: string,
  ) {}

  async enabled(): Promise<boolean> {
    const set = await this.sesv2.send(new GetConfigurationSetCommand({ ConfigurationSetName: this.name }));
    // Absent SendingOptions: SES's default, enabled.
    return set.SendingOptions?.SendingEnabled !== false;
  }

  async setEnabled(enabled: boolean): Promise<void> {
    await this.sesv2.send(new PutConfigurationSetSendingOptionsCommand({ ConfigurationSetName: this.name, SendingEnabled: enabled }));
  }
}
