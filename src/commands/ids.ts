/** Every command id the extension registers; a unit test compares this list with package.json. */
export const CommandIds = {
  setApiKey: 'openrouterLedger.setApiKey',
  setManagementKey: 'openrouterLedger.setManagementKey',
  clearKeys: 'openrouterLedger.clearKeys',
  testKeys: 'openrouterLedger.testKeys',
  refresh: 'openrouterLedger.refresh',
  showLog: 'openrouterLedger.showLog',
  verifyLedger: 'openrouterLedger.verifyLedger',
  importLedger: 'openrouterLedger.importLedger',
  exportLedger: 'openrouterLedger.exportLedger',
  deleteLedgerRowsBefore: 'openrouterLedger.deleteLedgerRowsBefore',
  chat: 'openrouterLedger.chat',
  newChat: 'openrouterLedger.newChat',
  askAboutSelection: 'openrouterLedger.askAboutSelection',
  selectModel: 'openrouterLedger.selectModel',
  refreshModels: 'openrouterLedger.refreshModels',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];
