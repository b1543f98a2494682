# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'unlock_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog,
    QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QProgressBar, QPushButton, QSizePolicy, QSpacerItem,
    QVBoxLayout, QWidget)

from reviewstation.gui.widgets.banner import ClassificationBanner

class Ui_UnlockDialog(object):
    def setupUi(self, UnlockDialog):
        if not UnlockDialog.objectName():
            UnlockDialog.setObjectName(u"UnlockDialog")
        UnlockDialog.resize(620, 360)
        UnlockDialog.setMinimumSize(QSize(520, 0))
        self.outerLayout = QVBoxLayout(UnlockDialog)
        self.outerLayout.setSpacing(0)
        self.outerLayout.setObjectName(u"outerLayout")
        self.outerLayout.setContentsMargins(0, 0, 0, 0)
        self.topBanner = ClassificationBanner(UnlockDialog)
        self.topBanner.setObjectName(u"topBanner")

        self.outerLayout.addWidget(self.topBanner)

        self.body = QWidget(UnlockDialog)
        self.body.setObjectName(u"body")
        self.bodyLayout = QVBoxLayout(self.body)
        self.bodyLayout.setSpacing(10)
        self.bodyLayout.setObjectName(u"bodyLayout")
        self.bodyLayout.setContentsMargins(20, 16, 20, 16)
        self.headingLabel = QLabel(self.body)
        self.headingLabel.setObjectName(u"headingLabel")

        self.bodyLayout.addWidget(self.headingLabel)

        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.formLayout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.recentLabel = QLabel(self.body)
        self.recentLabel.setObjectName(u"recentLabel")

        self.formLayout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.recentLabel)

        self.recentCombo = QComboBox(self.body)
        self.recentCombo.setObjectName(u"recentCombo")

        self.formLayout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.recentCombo)

        self.pathLabel = QLabel(self.body)
        self.pathLabel.setObjectName(u"pathLabel")

        self.formLayout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.pathLabel)

        self.pathLayout = QHBoxLayout()
        self.pathLayout.setObjectName(u"pathLayout")
        self.pathEdit = QLineEdit(self.body)
        self.pathEdit.setObjectName(u"pathEdit")
        self.pathEdit.setClearButtonEnabled(True)

        self.pathLayout.addWidget(self.pathEdit)

        self.browseButton = QPushButton(self.body)
        self.browseButton.setObjectName(u"browseButton")
        self.browseButton.setAutoDefault(False)

        self.pathLayout.addWidget(self.browseButton)


        self.formLayout.setLayout(1, QFormLayout.ItemRole.FieldRole, self.pathLayout)

        self.userLabel = QLabel(self.body)
        self.userLabel.setObjectName(u"userLabel")

        self.formLayout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.userLabel)

        self.userCombo = QComboBox(self.body)
        self.userCombo.setObjectName(u"userCombo")

        self.formLayout.setWidget(2, QFormLayout.ItemRole.FieldRole, self.userCombo)

        self.secretLabel = QLabel(self.body)
        self.secretLabel.setObjectName(u"secretLabel")

        self.formLayout.setWidget(3, QFormLayout.ItemRole.LabelRole, self.secretLabel)

        self.secretEdit = QLineEdit(self.body)
        self.secretEdit.setObjectName(u"secretEdit")
        self.secretEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.formLayout.setWidget(3, QFormLayout.ItemRole.FieldRole, self.secretEdit)

        self.recoveryCheck = QCheckBox(self.body)
        self.recoveryCheck.setObjectName(u"recoveryCheck")

        self.formLayout.setWidget(4, QFormLayout.ItemRole.FieldRole, self.recoveryCheck)

        self.readOnlyCheck = QCheckBox(self.body)
        self.readOnlyCheck.setObjectName(u"readOnlyCheck")

        self.formLayout.setWidget(5, QFormLayout.ItemRole.FieldRole, self.readOnlyCheck)


        self.bodyLayout.addLayout(self.formLayout)

        self.demoLabel = QLabel(self.body)
        self.demoLabel.setObjectName(u"demoLabel")
        self.demoLabel.setText(u"")
        self.demoLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.demoLabel.setWordWrap(True)

        self.bodyLayout.addWidget(self.demoLabel)

        self.errorLabel = QLabel(self.body)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setText(u"")
        self.errorLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.errorLabel.setWordWrap(True)
        self.errorLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.bodyLayout.addWidget(self.errorLabel)

        self.busyRow = QWidget(self.body)
        self.busyRow.setObjectName(u"busyRow")
        self.busyLayout = QHBoxLayout(self.busyRow)
        self.busyLayout.setObjectName(u"busyLayout")
        self.busyLayout.setContentsMargins(0, 0, 0, 0)
        self.busyLabel = QLabel(self.busyRow)
        self.busyLabel.setObjectName(u"busyLabel")

        self.busyLayout.addWidget(self.busyLabel)

        self.progressBar = QProgressBar(self.busyRow)
        self.progressBar.setObjectName(u"progressBar")
        self.progressBar.setMaximum(0)
        self.progressBar.setTextVisible(False)

        self.busyLayout.addWidget(self.progressBar)


        self.bodyLayout.addWidget(self.busyRow)

        self.bodySpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.bodyLayout.addItem(self.bodySpacer)

        self.buttonLayout = QHBoxLayout()
        self.buttonLayout.setObjectName(u"buttonLayout")
        self.newVaultButton = QPushButton(self.body)
        self.newVaultButton.setObjectName(u"newVaultButton")
        self.newVaultButton.setAutoDefault(False)

        self.buttonLayout.addWidget(self.newVaultButton)

        self.buttonSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonLayout.addItem(self.buttonSpacer)

        self.quitButton = QPushButton(self.body)
        self.quitButton.setObjectName(u"quitButton")
        self.quitButton.setAutoDefault(False)

        self.buttonLayout.addWidget(self.quitButton)

        self.keyringButton = QPushButton(self.body)
        self.keyringButton.setObjectName(u"keyringButton")
        self.keyringButton.setAutoDefault(False)

        self.buttonLayout.addWidget(self.keyringButton)

        self.unlockButton = QPushButton(self.body)
        self.unlockButton.setObjectName(u"unlockButton")

        self.buttonLayout.addWidget(self.unlockButton)


        self.bodyLayout.addLayout(self.buttonLayout)


        self.outerLayout.addWidget(self.body)

        self.bottomBanner = ClassificationBanner(UnlockDialog)
        self.bottomBanner.setObjectName(u"bottomBanner")

        self.outerLayout.addWidget(self.bottomBanner)

#if QT_CONFIG(shortcut)
        self.recentLabel.setBuddy(self.recentCombo)
        self.pathLabel.setBuddy(self.pathEdit)
        self.userLabel.setBuddy(self.userCombo)
        self.secretLabel.setBuddy(self.secretEdit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.recentCombo, self.pathEdit)
        QWidget.setTabOrder(self.pathEdit, self.browseButton)
        QWidget.setTabOrder(self.browseButton, self.userCombo)
        QWidget.setTabOrder(self.userCombo, self.secretEdit)
        QWidget.setTabOrder(self.secretEdit, self.recoveryCheck)
        QWidget.setTabOrder(self.recoveryCheck, self.readOnlyCheck)
        QWidget.setTabOrder(self.readOnlyCheck, self.newVaultButton)
        QWidget.setTabOrder(self.newVaultButton, self.quitButton)
        QWidget.setTabOrder(self.quitButton, self.keyringButton)
        QWidget.setTabOrder(self.keyringButton, self.unlockButton)

        self.retranslateUi(UnlockDialog)

        self.unlockButton.setDefault(True)


        QMetaObject.connectSlotsByName(UnlockDialog)
    # setupUi

    def retranslateUi(self, UnlockDialog):
        UnlockDialog.setWindowTitle(QCoreApplication.translate("UnlockDialog", u"Unlock vault \u2014 ReviewStation", None))
        self.headingLabel.setText(QCoreApplication.translate("UnlockDialog", u"Unlock a vault", None))
#if QT_CONFIG(accessibility)
        self.headingLabel.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Unlock a vault", None))
#endif // QT_CONFIG(accessibility)
        self.recentLabel.setText(QCoreApplication.translate("UnlockDialog", u"&Recent vaults:", None))
#if QT_CONFIG(accessibility)
        self.recentCombo.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Recent vaults", None))
#endif // QT_CONFIG(accessibility)
        self.recentCombo.setPlaceholderText(QCoreApplication.translate("UnlockDialog", u"No recent vaults", None))
        self.pathLabel.setText(QCoreApplication.translate("UnlockDialog", u"&Vault folder:", None))
#if QT_CONFIG(accessibility)
        self.pathEdit.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Vault folder", None))
#endif // QT_CONFIG(accessibility)
        self.pathEdit.setPlaceholderText(QCoreApplication.translate("UnlockDialog", u"Folder ending in .rsvault", None))
        self.browseButton.setText(QCoreApplication.translate("UnlockDialog", u"&Browse\u2026", None))
#if QT_CONFIG(accessibility)
        self.browseButton.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Browse for a vault folder", None))
#endif // QT_CONFIG(accessibility)
        self.userLabel.setText(QCoreApplication.translate("UnlockDialog", u"&User:", None))
#if QT_CONFIG(accessibility)
        self.userCombo.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"User", None))
#endif // QT_CONFIG(accessibility)
        self.secretLabel.setText(QCoreApplication.translate("UnlockDialog", u"&Passphrase:", None))
#if QT_CONFIG(accessibility)
        self.secretEdit.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Passphrase", None))
#endif // QT_CONFIG(accessibility)
        self.recoveryCheck.setText(QCoreApplication.translate("UnlockDialog", u"Use the recovery &key instead", None))
#if QT_CONFIG(accessibility)
        self.recoveryCheck.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Use the recovery key instead of the passphrase", None))
#endif // QT_CONFIG(accessibility)
        self.readOnlyCheck.setText(QCoreApplication.translate("UnlockDialog", u"Open read-&only (it is open for writing elsewhere)", None))
#if QT_CONFIG(accessibility)
        self.readOnlyCheck.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Open the vault read-only", None))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.demoLabel.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Demo vault hint", None))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.errorLabel.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Error", None))
#endif // QT_CONFIG(accessibility)
        self.busyLabel.setText(QCoreApplication.translate("UnlockDialog", u"Unlocking\u2026", None))
#if QT_CONFIG(accessibility)
        self.progressBar.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Unlocking", None))
#endif // QT_CONFIG(accessibility)
        self.newVaultButton.setText(QCoreApplication.translate("UnlockDialog", u"Ne&w vault\u2026", None))
#if QT_CONFIG(accessibility)
        self.newVaultButton.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Create a new vault", None))
#endif // QT_CONFIG(accessibility)
        self.quitButton.setText(QCoreApplication.translate("UnlockDialog", u"&Quit", None))
#if QT_CONFIG(accessibility)
        self.quitButton.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Quit ReviewStation", None))
#endif // QT_CONFIG(accessibility)
        self.keyringButton.setText(QCoreApplication.translate("UnlockDialog", u"Unlock with system ke&yring", None))
#if QT_CONFIG(accessibility)
        self.keyringButton.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Unlock with the secret kept in the system keyring", None))
#endif // QT_CONFIG(accessibility)
        self.unlockButton.setText(QCoreApplication.translate("UnlockDialog", u"U&nlock", None))
#if QT_CONFIG(accessibility)
        self.unlockButton.setAccessibleName(QCoreApplication.translate("UnlockDialog", u"Unlock", None))
#endif // QT_CONFIG(accessibility)
    # retranslateUi

